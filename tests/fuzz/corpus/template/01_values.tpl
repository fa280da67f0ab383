<h1>{{title}}</h1>
<p>{{user.name}} ({{user.age}})</p>
