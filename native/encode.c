/*
 * align-data's native JPEG encoder for the shard stage: libjpeg's scaled decode (1/2, 1/4, 1/8)
 * followed by a Lanczos-3 resize at the exact scale, through the libvips that sharp ships.
 *
 * Why not sharp: after a scaled decode sharp takes the resize's scale from the decoded image's
 * whole pixels. A side of n pixels decoded at 1/s is ceil(n/s) pixels that stand for n/s, so
 * the output drifts by up to a third of a pixel, and libvips then centres its output grid on the
 * padded extent as well. That costs more quality than the scaled decode itself (bench/shard.ts,
 * bench/shard-ablation.ts), so sharp's pipeline decodes at 1/2 only where 4x or more remains.
 * Here the scale is exact (output size / original size, per axis), and the shrunk image is
 * padded and the output cropped so that libvips's centring lands every output pixel where a
 * full-resolution resize would put it (see align()). The decode then does most of the
 * shrinking, at full quality.
 *
 * One call: encode(bytes, size, crop, quality, ignoreIcc, minResidual) returns
 * { data, width, height } or undefined when the image is not one this encoder takes (not a JPEG,
 * not 8-bit 3-band sRGB, an EXIF orientation, an ICC profile other than sRGB, not shrinking,
 * over sharp's pixel limit) or when libvips fails on it: the caller then runs sharp, which
 * gives those images their usual treatment and failures their usual reasons.
 *
 * Built by scripts/build-native.js against sharp's own libvips (@img/sharp-libvips-*), which
 * sharp has already loaded into the process, so both share one libvips and its settings
 * (sharp.concurrency, sharp.cache).
 */
#include <math.h>
#include <string.h>
#include <node_api.h>
#include <vips/vips.h>

/* sharp's default limitInputPixels (0x3FFF * 0x3FFF): larger images go to sharp, which refuses them. */
#define PIXEL_LIMIT 268402689.0
/* How far the padding search looks on each side of an axis, in shrunk pixels. */
#define MAX_PAD 24
/*
 * The most an output pixel may sit off its place, in output pixels; a decode scale whose sizes
 * cannot be aligned this well gives way to the next larger one (in full, alignment is exact).
 */
#define MAX_ALIGN_ERROR 0.03

typedef struct {
  int pad;       /* edge pixels added before the first pixel */
  int extent;    /* width of the padded axis */
  int offset;    /* first output pixel kept */
  double error;  /* how far the output pixels then sit off their place, in output pixels */
} Alignment;

/*
 * libvips's resize maps output pixel j of an axis of `extent` pixels, scaled by `scale` to
 * R = rint(extent * scale) pixels, to input position (j + 0.5) / scale - 0.5 + (extent - R / scale) / 2:
 * the output grid is centred on the input. We want output pixel t at (t + 0.5) / scale - 0.5 +
 * pad in the padded input (its real pixels start at `pad`), keeping output pixels offset ..
 * offset + out - 1. That holds when offset = pad * scale - (extent * scale - R) / 2, so search the
 * paddings for the one that makes the offset closest to a whole pixel (over image sizes from 260
 * to 6000 px: 0.005 px off on average, 99% within 0.06).
 */
static Alignment align(int decoded, double scale, int out) {
  Alignment best = { 0, decoded, 0, 1e9 };
  double bestError = 1e9;
  for (int pad = 0; pad <= MAX_PAD; pad++) {
    for (int after = 0; after <= MAX_PAD; after++) {
      int extent = pad + decoded + after;
      double resized = rint(extent * scale);
      double offset = pad * scale - (extent * scale - resized) / 2;
      double whole = rint(offset);
      if (whole < 0 || whole + out > resized) continue;
      double error = fabs(offset - whole);
      if (error < bestError - 1e-9) {
        bestError = error;
        best.pad = pad;
        best.extent = extent;
        best.offset = (int) whole;
        best.error = error;
      }
    }
  }
  return best;
}

/* After an operation that succeeded, its output replaces *image. Always true. */
static int replace(VipsImage **image, VipsImage *next) {
  g_object_unref(*image);
  *image = next;
  return 1;
}

static napi_value nothing(napi_env env) {
  napi_value u;
  napi_get_undefined(env, &u);
  return u;
}

static napi_value Encode(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  void *bytes;
  size_t length;
  int32_t size, quality;
  bool crop, ignoreIcc;
  double minResidual;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 6 ||
      napi_get_buffer_info(env, argv[0], &bytes, &length) != napi_ok ||
      napi_get_value_int32(env, argv[1], &size) != napi_ok ||
      napi_get_value_bool(env, argv[2], &crop) != napi_ok ||
      napi_get_value_int32(env, argv[3], &quality) != napi_ok ||
      napi_get_value_bool(env, argv[4], &ignoreIcc) != napi_ok ||
      napi_get_value_double(env, argv[5], &minResidual) != napi_ok || size < 1) {
    napi_throw_type_error(env, NULL, "encode(bytes: Buffer, size: int, crop: bool, quality: int, ignoreIcc: bool, minResidual: number)");
    return NULL;
  }
  const unsigned char *b = bytes;
  if (length < 3 || b[0] != 0xFF || b[1] != 0xD8 || b[2] != 0xFF) return nothing(env);

  /* The header: lazy, no pixels decoded yet. */
  VipsImage *image = NULL;
  if (vips_jpegload_buffer(bytes, length, &image, "access", VIPS_ACCESS_SEQUENTIAL, "fail_on", VIPS_FAIL_ON_WARNING, NULL)) {
    vips_error_clear();
    return nothing(env);
  }
  int width = image->Xsize, height = image->Ysize;
  int ours = image->Bands == 3 && image->BandFmt == VIPS_FORMAT_UCHAR && image->Type == VIPS_INTERPRETATION_sRGB &&
    vips_image_get_orientation(image) == 1 && (ignoreIcc || !vips_image_get_typeof(image, VIPS_META_ICC_NAME)) &&
    (double) width * height <= PIXEL_LIMIT;
  g_object_unref(image);
  image = NULL;
  double factor = (double) (width < height ? width : height) / size; /* original px per output px */
  if (!ours || factor <= 1.0) return nothing(env);

  /* Output size as a full-resolution resize gives it: the shorter side exactly `size`. */
  int outW = width <= height ? size : (int) rint(width / factor);
  int outH = width <= height ? (int) rint(height / factor) : size;
  if (outW < 1) outW = 1;
  if (outH < 1) outH = 1;
  /* The largest decode scale that leaves the kernel at least minResidual of the shrinking. */
  int shrink = 1;
  for (int s = 8; s >= 2; s /= 2) {
    if (factor / s >= minResidual) {
      shrink = s;
      break;
    }
  }
  double scaleX, scaleY;
  Alignment ax, ay;
  for (;; shrink /= 2) {
    if (vips_jpegload_buffer(bytes, length, &image, "shrink", shrink, "access", VIPS_ACCESS_SEQUENTIAL, "fail_on", VIPS_FAIL_ON_WARNING, NULL)) {
      vips_error_clear();
      return nothing(env);
    }
    /* Per axis: output px per decoded px, so that the original's whole extent maps onto the output's. */
    scaleX = (double) shrink * outW / width;
    scaleY = (double) shrink * outH / height;
    ax = align(image->Xsize, scaleX, outW);
    ay = align(image->Ysize, scaleY, outH);
    if (shrink == 1 || (ax.error <= MAX_ALIGN_ERROR && ay.error <= MAX_ALIGN_ERROR)) break;
    g_object_unref(image);
    image = NULL;
  }
  VipsImage *next = NULL;
  int ok = 1;
  if (ax.extent != image->Xsize || ay.extent != image->Ysize)
    ok = !vips_embed(image, &next, ax.pad, ay.pad, ax.extent, ay.extent, "extend", VIPS_EXTEND_COPY, NULL) && replace(&image, next);
  if (ok) ok = !vips_resize(image, &next, scaleX, "vscale", scaleY, "kernel", VIPS_KERNEL_LANCZOS3, NULL) && replace(&image, next);
  int left = ax.offset, top = ay.offset, keepW = outW, keepH = outH;
  if (ok && crop) {
    /* sharp's centre crop of the resized image (CalculateCrop, gravity centre). */
    left += (outW - size + 1) / 2;
    top += (outH - size + 1) / 2;
    keepW = keepH = size;
  }
  if (ok && (left + keepW > image->Xsize || top + keepH > image->Ysize)) ok = 0;
  if (ok && (left != 0 || top != 0 || keepW != image->Xsize || keepH != image->Ysize))
    ok = !vips_extract_area(image, &next, left, top, keepW, keepH, NULL) && replace(&image, next);
  void *out = NULL;
  size_t outLength = 0;
  /* sharp's jpeg() as shard sets it (encode.ts jpegSettings): 4:2:0, baseline, no trellis, no Huffman optimisation, no metadata. */
  if (ok && vips_jpegsave_buffer(image, &out, &outLength, "Q", quality, "keep", VIPS_FOREIGN_KEEP_NONE,
        "interlace", FALSE, "subsample_mode", VIPS_FOREIGN_SUBSAMPLE_ON, "trellis_quant", FALSE,
        "overshoot_deringing", FALSE, "optimize_scans", FALSE, "optimize_coding", FALSE, "quant_table", 0, NULL))
    ok = 0;
  g_object_unref(image);
  if (!ok) {
    vips_error_clear();
    return nothing(env);
  }
  napi_value result, data, w, h;
  void *copy;
  napi_status status = napi_create_buffer_copy(env, outLength, out, &copy, &data);
  g_free(out);
  if (status != napi_ok) return NULL;
  napi_create_object(env, &result);
  napi_create_int32(env, keepW, &w);
  napi_create_int32(env, keepH, &h);
  napi_set_named_property(env, result, "data", data);
  napi_set_named_property(env, result, "width", w);
  napi_set_named_property(env, result, "height", h);
  return result;
}

static napi_value Init(napi_env env, napi_value exports) {
  if (VIPS_INIT("align-data")) {
    napi_throw_error(env, NULL, "libvips did not start");
    return NULL;
  }
  napi_value fn, version;
  napi_create_function(env, "encode", NAPI_AUTO_LENGTH, Encode, NULL, &fn);
  napi_set_named_property(env, exports, "encode", fn);
  napi_create_string_utf8(env, vips_version_string(), NAPI_AUTO_LENGTH, &version);
  napi_set_named_property(env, exports, "libvips", version);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
