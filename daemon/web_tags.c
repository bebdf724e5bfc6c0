/* web_tags.c: the web API's own reason tags (web_int.h), in a file of their own so that a
 * test of the tags links nothing else of the web server. */
#include <stddef.h>

#include "web_int.h"

const char *const web_tags[] = {WEB_TAG_LOGIN, WEB_TAG_THROTTLED, WEB_TAG_CSRF,
                                WEB_TAG_ROLE,  WEB_TAG_METHOD,    NULL};
