{{{body_html}}} {{& user.prof.bio_html}} {{body_html}}
