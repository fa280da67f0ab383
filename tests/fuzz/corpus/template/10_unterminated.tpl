line
{{user.name