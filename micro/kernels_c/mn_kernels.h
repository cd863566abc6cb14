/* micro kernels: the one public header.
 *
 * Conventions for every kernel in this header:
 * - Tensors are dense, row-major, NHWC for 4-D activations (TFLite layout).
 *   Filters: CONV_2D [out_c][k_h][k_w][in_c]; DEPTHWISE_CONV_2D [1][k_h][k_w][out_c];
 *   FULLY_CONNECTED [out_units][in_depth].
 * - int8 activations are affine-quantized: real = scale * (q - zero_point).
 *   Offsets passed in params are the NEGATED zero points (TFLite convention:
 *   input_offset = -input_zero_point), output_offset is +output_zero_point.
 * - Requantization multipliers are TFLite's (mult in [2^30, 2^31), shift in
 *   [-31, 30]); they are computed at compile time by micro's Python side.
 * - Every params struct is a compile-time constant; kernels never allocate.
 *   Scratch buffers, where a kernel needs one, are passed in by the caller and
 *   their size is a function of params documented next to the kernel.
 * - Kernels are pure: they read inputs and params, and write only outputs and
 *   scratch. Unless a kernel says otherwise, outputs must not overlap inputs.
 */
#ifndef MN_KERNELS_H
#define MN_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ==== SECTION fully_connected ==== */
/* FULLY_CONNECTED, int8 activations and weights, int32 bias (TFLM reference
 * FullyConnected / FullyConnectedPerChannel).
 *   input  [batches][in_depth]    int8
 *   filter [out_depth][in_depth]  int8, zero point -filter_offset (0 for TFLite int8)
 *   bias   [out_depth]            int32, or NULL
 *   output [batches][out_depth]   int8
 * input_offset = -input_zp in [-127, 128]; output_offset = output_zp in [-128, 127];
 * act_min <= act_max within [-128, 127]. per_channel = 0: mult[0]/shift[0] serve every
 * output unit; 1: mult[o]/shift[o] per output unit.
 * folded_bias [out_depth], or NULL: bias[o] + input_offset * sum_d filter[o][d], computed at
 * compile time for constant filters with filter_offset 0; when given, the kernel ignores `bias`
 * and accumulates plain input*filter products (the same integer result, fewer operations). */
typedef struct {
    int32_t batches;
    int32_t in_depth;
    int32_t out_depth;
    int32_t input_offset;
    int32_t filter_offset;
    int32_t output_offset;
    int32_t act_min;
    int32_t act_max;
    int32_t per_channel;
    const int32_t *mult;
    const int32_t *shift;
    const int32_t *folded_bias;
} mn_fully_connected_params_t;

void mn_fully_connected_int8(const mn_fully_connected_params_t *p, const int8_t *input,
                             const int8_t *filter, const int32_t *bias, int8_t *output);
/* ==== END SECTION fully_connected ==== */

/* ==== SECTION conv ==== */
/* CONV_2D, int8 activations, int8 weights (per-channel, or per-tensor broadcast
 * to every output channel), int32 bias (TFLM reference_integer_ops::ConvPerChannel).
 *   input  [batches][in_h][in_w][in_c]                     int8
 *   filter [out_c][k_h][k_w][filter_in_c]                  int8 (zero point ignored, as TFLM)
 *   bias   [out_c]                                         int32, or NULL
 *   output [batches][out_h][out_w][out_c]                  int8
 * Grouped convolution: groups = in_c / filter_in_c (1 for an ordinary conv); output
 * channel oc reads input channels [g * filter_in_c, (g + 1) * filter_in_c) with
 * g = oc / (out_c / groups). in_c % filter_in_c == 0 and out_c % groups == 0.
 * stride_*, dil_* >= 1; pad_h/pad_w >= 0 are TFLite's leading paddings: output
 * pixel (oy, ox) starts at input (oy * stride_h - pad_h, ox * stride_w - pad_w),
 * tap (fy, fx) reads input row/col start + dil * f; taps outside the image are
 * skipped (zero padding in the real domain).
 * input_offset = -input_zp in [-127, 128]; output_offset = output_zp in [-128, 127];
 * act_min <= act_max within [-128, 127]. mult[oc]/shift[oc]: one requantization
 * multiplier per output channel (out_c entries, also for per-tensor weights).
 * Accumulation is int32, as TFLM: k_h * k_w * filter_in_c must stay below 2^16.
 * rq_round/rq_scale: NULL, or (only when every shift <= 0) out_c entries each with
 * r = -shift[oc]: rq_round = r > 0 ? 2^(r-1) : 0 and rq_scale = 2^(31 - r) as a uint32 bit
 * pattern (2^31 is stored as INT32_MIN); they let the kernel requantize a row of channels
 * with vectorizable unsigned products, the same integers as MultiplyByQuantizedMultiplier
 * (micro.ops.conv_2d.requant_rows). NULL: the kernel follows TFLM's steps per element.
 * The output may overlap the input: output pixels are written in raster order, each after
 * all its reads, and no input before a written pixel's window is read afterwards (the
 * raster-order contract of micro.ops.base.raster_gap).
 * Overlap modes, chosen at run time from the pointers (the output [out, out_end) overlaps
 * the input [in, in_end) when out < in_end && in < out_end):
 *   forward (overlap, output <= input): output pixels (batch, row, column) in ascending
 *     raster order; once any byte of output pixel p is written, no input byte before the
 *     first byte of the window of p or of a later pixel is read (window: top-left corner
 *     clipped to the image, channel 0). Safe when the output starts at least
 *     micro.ops.base.raster_gap bytes before the input.
 *   reverse (overlap, output > input): output pixels in DESCENDING raster order (batch, row,
 *     column descending; within a pixel any order); once any byte of output pixel p is
 *     written, no input byte beyond the last byte of the window of p or of an earlier pixel
 *     is read (window: bottom-right corner clipped to the image, last input channel). Safe
 *     when the output starts at least micro.ops.base.raster_gap_reverse bytes after the
 *     input.
 *   no overlap: the fastest order (here: the same blocks, ascending).
 * In both overlap modes the kernel writes the pixels of a block (up to 4 consecutive pixels
 * of one batch, any order among them) after all of the block's reads. Only when a block
 * would re-read its windows (groups > 1, or k_h * k_w * filter_in_c > 192 with more than
 * 32 output channels per group) and out_c > 352 does it fall back to one-pixel blocks, which
 * re-read only the written pixel's own window: still within both contracts.
 * No scratch: the kernel keeps about 2.4 KB of im2col/sum buffers on the stack
 * (taps in chunks of at most 192, four pixels x 32 channels at a time). */
typedef struct {
    int32_t batches;
    int32_t in_h;
    int32_t in_w;
    int32_t in_c;
    int32_t out_h;
    int32_t out_w;
    int32_t out_c;
    int32_t k_h;
    int32_t k_w;
    int32_t filter_in_c;
    int32_t stride_h;
    int32_t stride_w;
    int32_t dil_h;
    int32_t dil_w;
    int32_t pad_h;
    int32_t pad_w;
    int32_t input_offset;
    int32_t output_offset;
    int32_t act_min;
    int32_t act_max;
    const int32_t *mult;
    const int32_t *shift;
    const int32_t *rq_round;
    const int32_t *rq_scale;
} mn_conv_2d_params_t;

void mn_conv_2d_int8(const mn_conv_2d_params_t *p, const int8_t *input, const int8_t *filter,
                     const int32_t *bias, int8_t *output);

/* DEPTHWISE_CONV_2D, int8 activations, int8 weights (per-channel or per-tensor
 * broadcast), int32 bias (TFLM reference_integer_ops::DepthwiseConvPerChannel).
 *   input  [batches][in_h][in_w][in_c]      int8
 *   filter [1][k_h][k_w][out_c]             int8 (zero point ignored, as TFLM)
 *   bias   [out_c]                          int32, or NULL
 *   output [batches][out_h][out_w][out_c]   int8
 * out_c = in_c * depth_mult; output channel oc = ic * depth_mult + m reads input
 * channel ic = oc / depth_mult. Geometry, offsets, clamps, mult/shift (out_c entries) and
 * rq_round/rq_scale (NULL or out_c entries) as for mn_conv_2d_int8.
 * The output may overlap the input: the kernel then writes output pixels in raster order,
 * each after all its reads, and reads no input before a written pixel's window afterwards
 * (the raster-order contract of micro.ops.base.raster_gap); otherwise it takes a faster
 * channel-block order. Overlap modes as for mn_conv_2d_int8 (forward when the output starts
 * at or before the input, reverse -- descending raster order, no input beyond the window of
 * a written pixel or of an earlier pixel read afterwards -- when it starts after it), one
 * pixel at a time, every channel block of a pixel before the next pixel.
 * No scratch (under 1 KB of stack). */
typedef struct {
    int32_t batches;
    int32_t in_h;
    int32_t in_w;
    int32_t in_c;
    int32_t out_h;
    int32_t out_w;
    int32_t out_c;
    int32_t depth_mult;
    int32_t k_h;
    int32_t k_w;
    int32_t stride_h;
    int32_t stride_w;
    int32_t dil_h;
    int32_t dil_w;
    int32_t pad_h;
    int32_t pad_w;
    int32_t input_offset;
    int32_t output_offset;
    int32_t act_min;
    int32_t act_max;
    const int32_t *mult;
    const int32_t *shift;
    const int32_t *rq_round;
    const int32_t *rq_scale;
} mn_depthwise_conv_2d_params_t;

void mn_depthwise_conv_2d_int8(const mn_depthwise_conv_2d_params_t *p, const int8_t *input,
                               const int8_t *filter, const int32_t *bias, int8_t *output);
/* ==== END SECTION conv ==== */

/* ==== SECTION pooling_softmax_mean ==== */
/* AVERAGE_POOL_2D / MAX_POOL_2D, int8 in and out (TFLM reference_integer_ops
 * AveragePool / MaxPool).
 *   input  [batches][in_h][in_w][depth]    int8
 *   output [batches][out_h][out_w][depth]  int8, same scale and zero point as input
 * The window of output (y, x) starts at (y*stride_h - pad_h, x*stride_w - pad_w)
 * and is clipped to the image. Average: sum of the in-image taps divided by their
 * count, rounded half away from zero (zero points are not subtracted: input and
 * output share them). Then clamp to [act_min, act_max] (within [-128, 127]).
 * pad_h/pad_w >= 0 are TFLite's leading paddings; every window holds >= 1 tap.
 * The output may overlap the input (in-place planning), modes chosen at run time from the
 * pointers as for mn_conv_2d_int8: forward (output at or before the input: pixels in
 * ascending raster order, once a byte of pixel p is written no input before the first byte
 * of the window of p or of a later pixel is read; output >= micro.ops.base.raster_gap bytes
 * before the input) and reverse (output after the input: pixels in DESCENDING raster order,
 * batch, row, column descending; once a byte of pixel p is written no input beyond the last
 * byte of the window of p or of an earlier pixel -- bottom-right corner clipped to the image,
 * last channel -- is read; output >= micro.ops.base.raster_gap_reverse bytes after the
 * input). Each pixel's channels are written one by one, each after its own reads. */
typedef struct {
    int32_t batches;
    int32_t in_h;
    int32_t in_w;
    int32_t depth;
    int32_t out_h;
    int32_t out_w;
    int32_t filter_h;
    int32_t filter_w;
    int32_t stride_h;
    int32_t stride_w;
    int32_t pad_h;
    int32_t pad_w;
    int32_t act_min;
    int32_t act_max;
} mn_pool_params_t;

void mn_average_pool_int8(const mn_pool_params_t *p, const int8_t *input, int8_t *output);
void mn_max_pool_int8(const mn_pool_params_t *p, const int8_t *input, int8_t *output);

/* SOFTMAX over the last axis, int8 input (TFLM reference_ops::Softmax<int8_t, T>
 * with gemmlowp fixed point: exp in Q0.31 of Q5.26 scaled differences, sum in
 * Q12.19, reciprocal via GetReciprocal).
 *   input  [outer][depth] int8 (any rank, flattened; depth = last dimension)
 *   output [outer][depth] int8 (scale 1/256, zero point -128) for
 *          mn_softmax_int8, int16 (scale 1/65536, zero point -32768) for
 *          mn_softmax_int8_int16.
 * input_multiplier in [2^30, 2^31), input_left_shift in [0, 31] (TFLite
 * PreprocessSoftmaxScaling of beta * input_scale, 5 integer bits);
 * diff_min <= 0 (-CalculateInputRadius): inputs below row max + diff_min give
 * the minimum output. Output may alias input exactly for the int8 variant.
 * Limits inherited from TFLM: int8 output needs each row's sum of exps < 512
 * (always true for depth < 512; TFLM aborts otherwise, this kernel outputs the
 * exact rounding, -128); the Q12.19 sum wraps for depth > 4096 as in TFLM. */
typedef struct {
    int32_t outer;
    int32_t depth;
    int32_t input_multiplier;
    int32_t input_left_shift;
    int32_t diff_min;
} mn_softmax_params_t;

void mn_softmax_int8(const mn_softmax_params_t *p, const int8_t *input, int8_t *output);
void mn_softmax_int8_int16(const mn_softmax_params_t *p, const int8_t *input, int16_t *output);

/* MEAN, int8 in and out (TFLM reduce.cc EvalMean for int8).
 *   input  dense, num_dims dims `dims` (num_dims in [1, 8]); the reduced axes
 *          have out_strides[d] == 0, the kept ones the output element stride.
 *   output dense over the kept dims, in order (keep_dims changes only its shape):
 *          out_size elements.
 *   scratch: out_size int32 partial sums (4 * out_size bytes, 4-byte aligned).
 * count = number of elements reduced into each output (> 0).
 * out = clamp(MultiplyByQuantizedMultiplier(sum - input_zp * count, mult, shift)
 *   + output_zp, -128, 127), with mult/shift already folded with 1/count as
 *   TFLM's QuantizedMeanOrSum does (mult in [0, 2^31), shift in [-31, 30]);
 *   input_zp, output_zp in [-128, 127]. TFLM uses this path even when input and
 *   output quantization are equal.
 * Output may alias input exactly (all reads happen before the first write). */
typedef struct {
    int32_t num_dims;
    int32_t out_size;
    int32_t count;
    int32_t input_zp;
    int32_t output_zp;
    int32_t mult;
    int32_t shift;
    const int32_t *dims;
    const int32_t *out_strides;
} mn_mean_params_t;

void mn_mean_int8(const mn_mean_params_t *p, const int8_t *input, int8_t *output, void *scratch);
/* ==== END SECTION pooling_softmax_mean ==== */

/* ==== SECTION elementwise_layout ==== */
/* ADD, int8 (TFLM reference_integer_ops::Add / BroadcastAdd6DSlow, int8 Prepare of
 * add_common.cc). Per element, with x from input1 and y from input2:
 *   a = ((x + input1_offset) << left_shift) scaled by (input1_mult, input1_shift)
 *   b = ((y + input2_offset) << left_shift) scaled by (input2_mult, input2_shift)
 *   out = clamp(scale(a + b; output_mult, output_shift) + output_offset, act_min, act_max)
 * where scale() is MultiplyByQuantizedMultiplierSmallerThanOneExp (every shift <= 0).
 * input1_offset/input2_offset = -zero_point in [-127, 128]; output_offset = zero_point;
 * left_shift = 20; mults in [2^30, 2^31) (0 only for a zero scale); act_min <= act_max in
 * [-128, 127].
 * Layout: the output is dense with flat_size elements. dims[6] are its extents after
 * dropping size-1 dims and merging dims that stay contiguous in both inputs (outermost
 * first, padded in front with 1s; product = flat_size). in1_strides[6]/in2_strides[6] are
 * each input's element stride along those dims, 0 where that input is broadcast.
 * broadcast = 0: both inputs hold flat_size elements in output order (dims/strides are then
 * {1,1,1,1,1,flat_size} / {0,0,0,0,0,1}).
 * input1_table/input2_table: NULL, or 256 int32 each (both or neither; micro passes them when
 * flat_size >= 1024): table[v + 128] is input i's rescaled value
 * MultiplyByQuantizedMultiplierSmallerThanOneExp((v + offset) << left_shift, mult, shift) for
 * every int8 v, computed at compile time (the same integers, one lookup per element).
 * In place: the output may be the very storage of an input that holds flat_size elements
 * (each element is read before it is written); it must not overlap a broadcast input. */
typedef struct {
    int32_t input1_offset;
    int32_t input1_mult;
    int32_t input1_shift;
    int32_t input2_offset;
    int32_t input2_mult;
    int32_t input2_shift;
    int32_t output_offset;
    int32_t output_mult;
    int32_t output_shift;
    int32_t left_shift;
    int32_t act_min;
    int32_t act_max;
    int32_t flat_size;
    int32_t broadcast;
    const int32_t *dims;
    const int32_t *in1_strides;
    const int32_t *in2_strides;
    const int32_t *input1_table;
    const int32_t *input2_table;
} mn_add_params_t;

void mn_add_int8(const mn_add_params_t *p, const int8_t *input1, const int8_t *input2,
                 int8_t *output);

/* PAD / PADV2, int8 (TFLM reference_ops::Pad, up to 5-D). Shapes are right-aligned to 5-D
 * (leading extents 1, paddings 0): in_dims[5], out_dims[5], left_pad[5] with
 * out_dims[i] = in_dims[i] + left_pad[i] + right_pad[i], all paddings >= 0.
 * The pad value is *pad_value when pad_value is not NULL (PADV2 with a run-time
 * constant_values tensor, int8 scalar), else p->pad_value (output zero point for PAD, the
 * constant int8 value for PADV2) in [-128, 127]; *pad_value is read before any output write.
 * The output may overlap the input (in-place planning). "Row" below is an output innermost
 * row (out_dims[4] bytes) and its "window" the one input row (in_dims[4] bytes) it copies,
 * if any (rows that are all padding read nothing). Modes, chosen at run time from the
 * pointers (overlap: out < in_end && in < out_end):
 *   forward (overlap, output < input): rows in ascending order; for each row the input
 *     row is moved first (memmove semantics: it may overlap its own destination), then the
 *     row's padding is written; once any byte of row p is written, no input row before the
 *     window of a later row is read (no earlier input row at all).
 *   reverse (overlap, output >= input, so also exactly in place): rows in DESCENDING order
 *     (memmove first, padding after); once any byte of row p is written, no input beyond
 *     the window of an earlier row is read (the row's own window is consumed by the memmove
 *     that precedes its padding). micro.ops.pad.reverse_overlap_gap keeps each row's output
 *     clear of its own input row as well: safe, one row's worth from tight.
 *   no overlap: ascending rows, padding and data in address order (memcpy). */
typedef struct {
    int32_t pad_value;
    const int32_t *in_dims;
    const int32_t *out_dims;
    const int32_t *left_pad;
} mn_pad_params_t;

void mn_pad_int8(const mn_pad_params_t *p, const int8_t *input, const int8_t *pad_value,
                 int8_t *output);

/* TRANSPOSE, int8 (TFLM reference_ops::Transpose; any 1-byte type). The output is written
 * densely in order; dims[5] are its extents after dropping size-1 dims and merging output
 * dims that are also adjacent in the input (outermost first, padded in front with 1s,
 * product = size); in_strides[5] is the input element stride along each of them.
 * Output must not overlap the input. */
typedef struct {
    int32_t size;
    const int32_t *dims;
    const int32_t *in_strides;
} mn_transpose_params_t;

void mn_transpose_int8(const mn_transpose_params_t *p, const int8_t *input, int8_t *output);
/* ==== END SECTION elementwise_layout ==== */

#ifdef __cplusplus
}
#endif

#endif /* MN_KERNELS_H */
