<ul>{{#items}}{{>p}}{{/items}}</ul>
{{>inv}}
  {{> r }}
{{#nest}}{{>r}}{{/nest}}
