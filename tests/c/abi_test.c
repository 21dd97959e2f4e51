/* A C program built against include/userphoto.h and the cdylib: the ABI as C callers see it.
 * Usage: abi_test PHOTO.jpg OUT.jpg   (writes the graph rendition to OUT.jpg) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "userphoto.h"

static int failures = 0;

#define CHECK(cond)                                                              \
  do {                                                                           \
    if (!(cond)) {                                                               \
      fprintf(stderr, "%s:%d: CHECK failed: %s (last error: %s)\n", __FILE__,    \
              __LINE__, #cond, up_last_error_message());                         \
      failures++;                                                                \
    }                                                                            \
  } while (0)

/* memmem is a GNU extension that mingw (the Windows build of this program) lacks. */
static int contains(const uint8_t *data, size_t n, const char *needle) {
  size_t m = strlen(needle);
  for (size_t i = 0; m <= n && i <= n - m; i++)
    if (memcmp(data + i, needle, m) == 0) return 1;
  return 0;
}

static unsigned char *read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  unsigned char *buf = malloc((size_t)n);
  if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
    free(buf);
    buf = NULL;
  }
  fclose(f);
  *len = (size_t)n;
  return buf;
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: %s PHOTO OUT\n", argv[0]);
    return 2;
  }
  size_t len = 0;
  unsigned char *photo = read_file(argv[1], &len);
  if (!photo) {
    fprintf(stderr, "cannot read %s\n", argv[1]);
    return 2;
  }
  printf("userphoto %s\n", up_version());

  /* The target table. */
  up_buffer *targets = NULL;
  CHECK(up_targets(&targets) == UP_STATUS_OK);
  const uint8_t *data = NULL;
  size_t n = 0;
  CHECK(up_buffer_data(targets, &data, &n) == UP_STATUS_OK);
  CHECK(n > 0 && contains(data, n, "\"ad-thumbnail\""));
  up_buffer_free(targets);

  /* Validate. */
  up_buffer *report = NULL;
  CHECK(up_photo_validate(photo, len, NULL, &report) == UP_STATUS_OK);
  CHECK(up_buffer_data(report, &data, &n) == UP_STATUS_OK);
  CHECK(contains(data, n, "\"verdict\":\"needs-resize\""));
  up_buffer_free(report);

  /* Resize for two targets. */
  up_renditions *r = NULL;
  CHECK(up_photo_resize(photo, len, "{\"targets\":[\"graph\",\"ad-thumbnail\"]}", &r) == UP_STATUS_OK);
  size_t count = 0;
  CHECK(up_renditions_count(r, &count) == UP_STATUS_OK && count == 2);
  for (size_t i = 0; i < count; i++) {
    CHECK(up_renditions_data(r, i, &data, &n) == UP_STATUS_OK);
    CHECK(n > 2 && data[0] == 0xFF && data[1] == 0xD8);
    CHECK(n <= (i == 0 ? 4194304u : 10240u));
    if (i == 0) {
      FILE *out = fopen(argv[2], "wb");
      CHECK(out && fwrite(data, 1, n, out) == n);
      if (out) fclose(out);
    }
  }
  CHECK(up_renditions_data(r, 5, &data, &n) == UP_STATUS_INDEX_OUT_OF_RANGE);
  up_buffer *rep = NULL;
  CHECK(up_renditions_report(r, &rep) == UP_STATUS_OK);
  CHECK(up_buffer_data(rep, &data, &n) == UP_STATUS_OK && contains(data, n, "\"width\":648"));
  up_buffer_free(rep);

  /* Wrong handle type, NULLs, bad input. */
  CHECK(up_buffer_data((up_buffer *)r, &data, &n) == UP_STATUS_INVALID_HANDLE);
  CHECK(strstr(up_last_error_message(), "up_buffer") != NULL);
  up_renditions_free(r);
  up_renditions_free(NULL);
  up_buffer_free(NULL);

  up_renditions *none = (up_renditions *)photo;
  CHECK(up_photo_resize(photo, len / 2, NULL, &none) == UP_STATUS_TRUNCATED);
  CHECK(none == NULL);
  CHECK(strcmp(up_status_name(UP_STATUS_TRUNCATED), "truncated") == 0);
  CHECK(up_photo_resize(NULL, 5, NULL, &none) == UP_STATUS_NULL_ARGUMENT);
  CHECK(up_photo_resize(photo, len, "{\"targets\":", &none) == UP_STATUS_INVALID_JSON);
  CHECK(up_photo_resize(photo, len, "{\"targets\":[\"\xff\"]}", &none) == UP_STATUS_INVALID_UTF8);
  CHECK(up_photo_resize((const uint8_t *)"GIF89a", 6, NULL, &none) == UP_STATUS_TRUNCATED);
  CHECK(up_photo_validate((const uint8_t *)"hello", 5, NULL, &report) == UP_STATUS_UNSUPPORTED_FORMAT);
  CHECK(report == NULL);
  CHECK(strstr(up_last_error_message(), "text") != NULL);

  free(photo);
  if (failures) {
    fprintf(stderr, "%d checks failed\n", failures);
    return 1;
  }
  printf("all C ABI checks passed\n");
  return 0;
}
