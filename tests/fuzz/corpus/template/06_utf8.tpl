<title>案例：{{中文}}</title>
{{#user.tags}}<i>{{.}}</i>{{/user.tags}}
