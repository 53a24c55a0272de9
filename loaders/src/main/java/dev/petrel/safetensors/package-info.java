/**
 * Hugging Face safetensors: reading without copies, checking every header, and writing.
 *
 * <p>A safetensors file is an 8-byte little-endian header length {@code N}, then {@code N} bytes of
 * UTF-8 JSON mapping each tensor name to its {@code dtype}, {@code shape} and {@code data_offsets}
 * (relative to the first byte after the header), plus an optional {@code __metadata__} object of
 * strings, then the tensors' bytes, little-endian and row-major.
 *
 * <ul>
 *   <li>{@link dev.petrel.safetensors.SafetensorsFile}: one file, memory-mapped; tensors are views.
 *   <li>{@link dev.petrel.safetensors.SafetensorsCheckpoint}: a model folder, single-file or sharded
 *       with {@code model.safetensors.index.json}.
 *   <li>{@link dev.petrel.safetensors.SafetensorsWriter}: writes files and sharded checkpoints.
 * </ul>
 *
 * <pre>{@code
 * try (SafetensorsCheckpoint weights = SafetensorsCheckpoint.open(Paths.get("models/bert-base"))) {
 *     Tensor w = weights.tensor("encoder.layer.0.attention.self.query.weight");
 *     float[] first = w.dtype() == DType.FLOAT ? w.toFloatArray() : null;
 * }
 * }</pre>
 *
 * <p>Malformed files fail with a {@link dev.petrel.ModelFormatException} naming the file, the tensor and
 * the offsets; valid files with something Petrel cannot hold (8-bit float tensors, a single tensor of
 * 2 GiB or more) fail only when that tensor is asked for, with a
 * {@link dev.petrel.UnsupportedFeatureException}.
 */
package dev.petrel.safetensors;
