<ul>
  {{#items}}
  <li>{{name}} {{n}} {{.}}</li>
  {{/items}}
</ul>
{{^ea}}empty{{/ea}}
