{{#items}}
{{/item}}
