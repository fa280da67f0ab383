a {{! comment {{ }} b
  {{! standalone
 multi }}  
c{{>loop}}
