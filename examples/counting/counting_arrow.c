/* Arrow C Data producers of the counting test plugin: schema {n: int64} and
 * a lazily generated stream of batches (each allocated when pulled, freed by
 * its consumer). Called from server worker threads; no shared state. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gooddata_flight_server/common.h"
#include "counting.h"

static void release_schema(struct ArrowSchema* s) {
  if (s->children != NULL) {
    for (int64_t i = 0; i < s->n_children; i++) {
      if (s->children[i]->release) s->children[i]->release(s->children[i]);
      free(s->children[i]);
    }
    free(s->children);
  }
  s->release = NULL;
}

static void release_child_schema(struct ArrowSchema* s) { s->release = NULL; }

int counting_make_schema(struct ArrowSchema* out) {
  struct ArrowSchema* child = calloc(1, sizeof(*child));
  struct ArrowSchema** children = calloc(1, sizeof(*children));
  if (child == NULL || children == NULL) {
    free(child);
    free(children);
    return GF_NO_MEMORY;
  }
  *child = (struct ArrowSchema){.format = "l", .name = "n", .flags = 0,
                                .release = release_child_schema};
  children[0] = child;
  *out = (struct ArrowSchema){.format = "+s", .name = "", .n_children = 1,
                              .children = children, .release = release_schema};
  return GF_OK;
}

static void release_array(struct ArrowArray* a) {
  if (a->children != NULL) {
    for (int64_t i = 0; i < a->n_children; i++) {
      if (a->children[i]->release) a->children[i]->release(a->children[i]);
      free(a->children[i]);
    }
    free(a->children);
  }
  if (a->n_buffers == 2) free((void*)a->buffers[1]);
  free(a->buffers);
  a->release = NULL;
}

static int make_batch(long seq, struct ArrowArray* out) {
  struct ArrowArray* child = calloc(1, sizeof(*child));
  struct ArrowArray** children = calloc(1, sizeof(*children));
  const void** sbufs = calloc(1, sizeof(void*));
  const void** cbufs = calloc(2, sizeof(void*));
  int64_t* data = malloc(COUNTING_ROWS * sizeof(int64_t));
  if (!child || !children || !sbufs || !cbufs || !data) {
    free(child), free(children), free(sbufs), free(cbufs), free(data);
    return GF_NO_MEMORY;
  }
  for (int64_t i = 0; i < COUNTING_ROWS; i++) data[i] = seq * COUNTING_ROWS + i;
  cbufs[1] = data;
  *child = (struct ArrowArray){.length = COUNTING_ROWS, .n_buffers = 2, .buffers = cbufs,
                               .release = release_array};
  children[0] = child;
  *out = (struct ArrowArray){.length = COUNTING_ROWS, .n_buffers = 1, .buffers = sbufs,
                             .n_children = 1, .children = children, .release = release_array};
  return GF_OK;
}

typedef struct stream_state {
  long total, next;
} stream_state;

static int stream_schema(struct ArrowArrayStream* s, struct ArrowSchema* out) {
  (void)s;
  return counting_make_schema(out) == GF_OK ? 0 : 12 /* ENOMEM */;
}

static int stream_next(struct ArrowArrayStream* s, struct ArrowArray* out) {
  stream_state* st = s->private_data;
  if (st->next >= st->total) {
    memset(out, 0, sizeof(*out));
    return 0;
  }
  if (make_batch(st->next, out) != GF_OK) return 12;
  st->next++;
  return 0;
}

static const char* stream_error(struct ArrowArrayStream* s) {
  (void)s;
  return "out of memory";
}

static void stream_release(struct ArrowArrayStream* s) {
  free(s->private_data);
  s->release = NULL;
}

int counting_make_stream(long n_batches, struct ArrowArrayStream* out) {
  stream_state* st = calloc(1, sizeof(*st));
  if (st == NULL) return GF_NO_MEMORY;
  st->total = n_batches;
  *out = (struct ArrowArrayStream){.get_schema = stream_schema, .get_next = stream_next,
                                   .get_last_error = stream_error, .release = stream_release,
                                   .private_data = st};
  return GF_OK;
}
