/*
 * lang.h — the languages of the interface, as the whole program names them.
 *
 * The enum lives in core/ because two layers need it and neither may include
 * the other: http/ chooses a request's language from its query and headers,
 * and view/ (i18n.h) loads a catalog per language.  Simplified Chinese is the
 * default and comes first; LANG__MAX sizes tables indexed by language.
 */
#ifndef LAUREL_LANG_H
#define LAUREL_LANG_H

enum lang { LANG_ZH, LANG_EN, LANG__MAX };

#endif
