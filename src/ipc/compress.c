/* IPC body buffer compression (BodyCompression BUFFER method): LZ4 frame
 * and ZSTD, each buffer prefixed with its int64 uncompressed length (-1 =
 * stored raw). Pure functions; any thread. */
#include <lz4frame.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#include "ipc/ipc_internal.h"

static void put_i64(uint8_t* p, int64_t v) {
  for (int i = 0; i < 8; i++) p[i] = (uint8_t)((uint64_t)v >> (8 * i));
}

int gf__compress(int codec, int level, const uint8_t* src, int64_t len, uint8_t** out,
                 int64_t* out_len, gf_error* err) {
  size_t bound;
  if (codec == GF_IPC_COMPRESSION_LZ4_FRAME) {
    LZ4F_preferences_t prefs;
    memset(&prefs, 0, sizeof(prefs));
    prefs.frameInfo.contentSize = (unsigned long long)len;
    prefs.compressionLevel = level;
    bound = LZ4F_compressFrameBound((size_t)len, &prefs);
    uint8_t* buf = malloc(8 + (bound > (size_t)len ? bound : (size_t)len));
    if (buf == NULL) return gf_error_set(err, GF_NO_MEMORY, "out of memory compressing");
    size_t n = LZ4F_compressFrame(buf + 8, bound, src, (size_t)len, &prefs);
    if (LZ4F_isError(n) || n >= (size_t)len) {
      put_i64(buf, -1);
      memcpy(buf + 8, src, (size_t)len);
      n = (size_t)len;
    } else {
      put_i64(buf, len);
    }
    *out = buf;
    *out_len = 8 + (int64_t)n;
    return GF_OK;
  }
  if (codec == GF_IPC_COMPRESSION_ZSTD) {
    bound = ZSTD_compressBound((size_t)len);
    uint8_t* buf = malloc(8 + (bound > (size_t)len ? bound : (size_t)len));
    if (buf == NULL) return gf_error_set(err, GF_NO_MEMORY, "out of memory compressing");
    size_t n = ZSTD_compress(buf + 8, bound, src, (size_t)len, level ? level : 1);
    if (ZSTD_isError(n) || n >= (size_t)len) {
      put_i64(buf, -1);
      memcpy(buf + 8, src, (size_t)len);
      n = (size_t)len;
    } else {
      put_i64(buf, len);
    }
    *out = buf;
    *out_len = 8 + (int64_t)n;
    return GF_OK;
  }
  return gf_error_set(err, GF_INVALID_ARGUMENT, "write options: unknown compression codec %d",
                      codec);
}

int gf__decompress(int codec, const uint8_t* src, size_t len, uint8_t* dst, int64_t expected,
                   gf_error* err) {
  if (codec == GF_IPC_COMPRESSION_ZSTD) {
    size_t n = ZSTD_decompress(dst, (size_t)expected, src, len);
    if (ZSTD_isError(n) || n != (size_t)expected)
      return gf_error_set(err, GF_INVALID_ARGUMENT, "ZSTD data corrupt or size mismatch");
    return GF_OK;
  }
  if (codec != GF_IPC_COMPRESSION_LZ4_FRAME)
    return gf_error_set(err, GF_INVALID_ARGUMENT, "unsupported compression codec %d", codec);
  LZ4F_dctx* dctx;
  if (LZ4F_isError(LZ4F_createDecompressionContext(&dctx, LZ4F_VERSION)))
    return gf_error_set(err, GF_NO_MEMORY, "LZ4 context");
  size_t in_pos = 0, out_pos = 0;
  int rc = GF_OK;
  for (;;) {
    size_t in_n = len - in_pos, out_n = (size_t)expected - out_pos;
    size_t r = LZ4F_decompress(dctx, dst + out_pos, &out_n, src + in_pos, &in_n, NULL);
    if (LZ4F_isError(r)) {
      rc = gf_error_set(err, GF_INVALID_ARGUMENT, "LZ4 frame corrupt: %s", LZ4F_getErrorName(r));
      break;
    }
    in_pos += in_n;
    out_pos += out_n;
    if (r == 0) break; /* frame complete */
    if (in_n == 0 && out_n == 0) {
      rc = gf_error_set(err, GF_INVALID_ARGUMENT, "LZ4 frame truncated or larger than declared");
      break;
    }
  }
  LZ4F_freeDecompressionContext(dctx);
  if (rc == GF_OK && out_pos != (size_t)expected)
    rc = gf_error_set(err, GF_INVALID_ARGUMENT, "LZ4 decompressed size %zu != declared %lld",
                      out_pos, (long long)expected);
  return rc;
}
