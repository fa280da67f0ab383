/*
 * news.h — news written by the organiser (news.c, news_image.c) and the
 * results' spreadsheet (results_export.c): the list of articles in every
 * state, the editor (Markdown with a toolbar, images, a cover, a slug, a
 * date), the preview, publishing and unpublishing, the announcements
 * drafted from the data; the public image files; the results as XLSX.
 */
#ifndef LAUREL_WEB_NEWS_H
#define LAUREL_WEB_NEWS_H

#include "web/web.h"

/* GET /admin/news: every article of the campaign with its state. */
enum web_err page_admin_news(struct req *r, const struct web_input *in, struct page *p);
/* GET /admin/news/new: the editor for a new draft. */
enum web_err page_admin_news_new(struct req *r, const struct web_input *in, struct page *p);
/* GET /admin/news/{id}: the editor, its images and its state's buttons. */
enum web_err page_admin_news_edit(struct req *r, const struct web_input *in, struct page *p);
/* GET /admin/news/{id}/preview: the article as the public will see it. */
enum web_err page_admin_news_preview(struct req *r, const struct web_input *in, struct page *p);

/* POST /admin/news/new: title, slug, source, author, date, body, then (save / preview). */
extern const struct web_action act_admin_news_create;
/* POST /admin/news/{id}: the same and cover. */
extern const struct web_action act_admin_news_save;
/* POST /admin/news/{id}/publish and /unpublish. */
extern const struct web_action act_admin_news_publish;
extern const struct web_action act_admin_news_unpublish;
/* POST /admin/news/results: a draft 结果公告 from the published results. */
extern const struct web_action act_admin_news_results;
/* POST /admin/news/{id}/images: one PNG, JPEG or GIF (multipart), at most 5 MiB. */
extern const struct web_action act_admin_news_image;

/* GET /news/images/{sha256}: an uploaded image, shown in place. */
void raw_news_image(struct req *r, struct resp *w);
/* GET /results.xlsx: the published results by region and by tier. */
void raw_results_xlsx(struct req *r, struct resp *w);

#endif
