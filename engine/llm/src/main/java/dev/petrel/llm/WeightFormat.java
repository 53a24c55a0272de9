package dev.petrel.llm;

/**
 * How the decoder keeps its projection matrices and the logits table: as loaded (fp32), or quantized
 * once at load into {@link QuantizedMatrix} panels. Decoding one token streams every weight once, so
 * fewer bytes per weight are a faster decode.
 */
public enum WeightFormat {
    /** fp32, used in place from the checkpoint where it is F32. */
    FP32,
    /** Blocks of 32 weights along the input, int8 codes and an fp16 scale ({@code amax/127}): 8.5 bits per weight. */
    Q8,
    /** Blocks of 32 weights along the input, 4-bit codes in [−8, 7] and an fp16 scale (ggml Q4_0's rule): 4.5 bits per weight. */
    Q4
}
