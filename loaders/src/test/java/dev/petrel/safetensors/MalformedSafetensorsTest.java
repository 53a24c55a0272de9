package dev.petrel.safetensors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.petrel.ModelFormatException;
import dev.petrel.PetrelException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Broken files must fail on open with a ModelFormatException naming file, tensor and offsets. */
class MalformedSafetensorsTest {
    private static final String F32_2 = "{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}";

    @TempDir
    Path dir;

    private String error(byte[] bytes) throws IOException {
        Path file = StFiles.write(dir.resolve("bad.safetensors"), bytes);
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            return fail("expected a ModelFormatException, opened " + f.names());
        } catch (ModelFormatException e) {
            assertThat(e.getMessage()).startsWith(file + ": ");
            return e.getMessage().substring(file.toString().length() + 2);
        }
    }

    private String error(String header, int dataBytes) throws IOException {
        return error(StFiles.assemble(header, dataBytes));
    }

    private static byte[] withLength(long headerLength, int totalBytes) {
        return ByteBuffer.allocate(totalBytes).order(ByteOrder.LITTLE_ENDIAN).putLong(0, headerLength).array();
    }

    @Test
    void headerLength() throws IOException {
        assertThat(error(new byte[5])).isEqualTo("5 bytes is too short for a safetensors file, which starts with an 8-byte header length");
        assertThat(error(withLength(1, 9))).isEqualTo("header length 1 (file bytes 0..8) is less than 2, the size of the smallest header {}");
        assertThat(error(withLength(0, 8))).contains("header length 0 (file bytes 0..8) is less than 2");
        assertThat(error(withLength(20, 20))).isEqualTo("header length 20 (file bytes 0..8) runs past the end of the file (20 bytes)");
        assertThat(error(withLength(100_000_001, 20))).isEqualTo("header length 100000001 (file bytes 0..8) exceeds the limit of 100000000 bytes");
        assertThat(error(withLength(-1, 20))).contains("header length 18446744073709551615 (file bytes 0..8) exceeds the limit");
    }

    @Test
    void headerEncodingAndShape() throws IOException {
        byte[] badUtf8 = StFiles.assemble("{\"a\":{}}", 0);
        badUtf8[11] = (byte) 0xFF;  // inside the key "a"
        assertThat(error(badUtf8)).isEqualTo("header is not valid UTF-8 at file byte 11");
        assertThat(error("{\"a\":", 0)).startsWith("header (file bytes 8..13) is not valid JSON: invalid JSON at line 1, column 6");
        assertThat(error("[1, 2]", 0)).isEqualTo("header (file bytes 8..14) is an array, expected a JSON object of tensors");
        assertThat(error("{\"w\":" + F32_2 + ",\"w\":" + F32_2 + "}", 8)).contains("not valid JSON").contains("duplicate key \"w\"");
        String deep = "{\"a\":" + "[".repeat(100) + "]".repeat(100) + "}";
        assertThat(error(deep, 0)).startsWith("header nests JSON deeper than 64 levels");
        assertThat(error("{\"__metadata__\":[]}", 0)).isEqualTo("__metadata__ is an array, expected an object of strings");
        assertThat(error("{\"__metadata__\":{\"n\":3}}", 0)).isEqualTo("__metadata__ entry 'n' is the number 3; the format allows only strings there");
    }

    @Test
    void missingAndWrongTypedFields() throws IOException {
        assertThat(error("{\"w\":3}", 0)).isEqualTo("tensor 'w' is the number 3, expected an object with dtype, shape and data_offsets");
        assertThat(error("{\"w\":{\"shape\":[2],\"data_offsets\":[0,8]}}", 8)).isEqualTo("tensor 'w': missing field 'dtype'");
        assertThat(error("{\"w\":{\"dtype\":\"F32\",\"data_offsets\":[0,8]}}", 8)).isEqualTo("tensor 'w': missing field 'shape'");
        assertThat(error("{\"w\":{\"dtype\":\"F32\",\"shape\":[2]}}", 8)).isEqualTo("tensor 'w': missing field 'data_offsets'");
        assertThat(error("{\"w\":{\"dtype\":5,\"shape\":[2],\"data_offsets\":[0,8]}}", 8)).isEqualTo("tensor 'w': field 'dtype' is the number 5, expected a string");
        assertThat(error("{\"w\":{\"dtype\":\"F32\",\"shape\":\"2\",\"data_offsets\":[0,8]}}", 8))
                .isEqualTo("tensor 'w': field 'shape' is the string \"2\", expected an array of integers");
        assertThat(error("{\"w\":{\"dtype\":\"F32\",\"shape\":[2.0],\"data_offsets\":[0,8]}}", 8))
                .isEqualTo("tensor 'w': element 0 of field 'shape' is the number 2.0 (not a 64-bit integer), expected an integer");
        assertThat(error("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,null]}}", 8))
                .isEqualTo("tensor 'w': element 1 of field 'data_offsets' is null, expected an integer");
        assertThat(error("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8]}}", 8))
                .isEqualTo("tensor 'w': data_offsets [8] must hold two numbers, [begin, end]");
    }

    @Test
    void dtypesDimsAndSizes() throws IOException {
        assertThat(error("{\"w\":{\"dtype\":\"F31\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8)).isEqualTo("tensor 'w': unknown dtype 'F31'");
        assertThat(error("{\"w\":{\"dtype\":\"F32\",\"shape\":[2,-1],\"data_offsets\":[0,8]}}", 8))
                .isEqualTo("tensor 'w': dimension 1 of shape [2, -1] is negative");
        assertThat(error("{\"w\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,20]}}", 20))
                .isEqualTo("tensor 'w': F32[2, 3] needs 24 bytes but data_offsets [0, 20] span 20");
        assertThat(error("{\"w\":{\"dtype\":\"F64\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,8]}}", 8))
                .isEqualTo("tensor 'w': shape [4294967296, 4294967296] of F64 is too large");
        assertThat(error("{\"w\":{\"dtype\":\"F4\",\"shape\":[3],\"data_offsets\":[0,2]}}", 2))
                .isEqualTo("tensor 'w': F4[3] is 12 bits, not a whole number of bytes");
    }

    @Test
    void offsets() throws IOException {
        assertThat(error("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,0]}}", 8))
                .isEqualTo("tensor 'w': data_offsets [8, 0] begin after they end");
        assertThat(error("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[-8,0]}}", 8))
                .isEqualTo("tensor 'w': data_offsets [-8, 0] are negative");
        String header = "{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}";
        assertThat(error(header, 8)).isEqualTo("tensor 'w': data_offsets [4, 12] run past the data region, which holds 8 bytes"
                + " (file bytes " + (8 + header.length()) + ".." + (16 + header.length()) + ")");
        assertThat(error("{\"a\":" + F32_2 + ",\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12))
                .isEqualTo("tensors 'a' (data_offsets [0, 8]) and 'b' (data_offsets [4, 12]) overlap");
        assertThat(error("{\"a\":" + F32_2 + ",\"b\":" + F32_2 + "}", 8))
                .isEqualTo("tensors 'a' (data_offsets [0, 8]) and 'b' (data_offsets [0, 8]) overlap");
    }

    @Test
    void theDataRegionMustBeFullyIndexed() throws IOException {
        String hole = "{\"a\":" + F32_2 + ",\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[12,20]}}";
        int start = 8 + hole.length();
        assertThat(error(hole, 20)).isEqualTo("data bytes [8, 12) (file bytes " + (start + 8) + ".." + (start + 12)
                + "), before tensor 'b', belong to no tensor; the format requires the data region to be fully indexed");
        assertThat(error("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12))
                .startsWith("data bytes [0, 4) ").contains("before tensor 'a'");
        assertThat(error("{\"a\":" + F32_2 + "}", 11)).startsWith("data bytes [8, 11) ").contains("after the last tensor");
        assertThat(error("{}", 3)).startsWith("data bytes [0, 3) ").contains("in a file without tensors");
    }

    @Test
    void paddingAndZeroSizedTensorsAreFine() throws IOException {
        String header = "{\"e\":{\"dtype\":\"I64\",\"shape\":[0],\"data_offsets\":[0,0]},\"a\":" + F32_2 + "}    \n\t";
        Path file = StFiles.write(dir.resolve("ok.safetensors"), StFiles.assemble(header, 8));
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            assertThat(f.names()).containsExactly("e", "a");
            assertThat(f.tensor("e").size()).isZero();
        }
    }

    // ---------------------------------------------------------------- fuzzing

    static byte[] smallFile() {
        return StFiles.assemble("{\"__metadata__\":{\"k\":\"v\"},\"a\":" + F32_2
                + ",\"b\":{\"dtype\":\"I8\",\"shape\":[1,3],\"data_offsets\":[8,11]},"
                + "\"c\":{\"dtype\":\"BF16\",\"shape\":[],\"data_offsets\":[11,13]}}  ", 13);
    }

    @Test
    void everyTruncationIsAFormatError() throws IOException {
        byte[] whole = smallFile();
        Path file = dir.resolve("cut.safetensors");
        Assertions.assertTimeout(Duration.ofSeconds(30), () -> {
            for (int len = 0; len < whole.length; len++) {
                Files.write(file, Arrays.copyOf(whole, len));
                try (SafetensorsFile f = SafetensorsFile.open(file)) {
                    fail("prefix of " + len + " of " + whole.length + " bytes opened: " + f.names());
                } catch (ModelFormatException expected) {
                    assertThat(expected.getMessage()).startsWith(file.toString());
                } catch (Throwable t) {
                    throw new AssertionError("prefix of " + len + " bytes: unexpected " + t, t);
                }
            }
        });
        Files.write(file, whole);
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            assertThat(f.names()).containsExactly("a", "b", "c");
        }
    }

    /** Opens and reads every tensor, or fails with a PetrelException; anything else fails the test. */
    private static void readsOrFailsCleanly(byte[] bytes) throws IOException {
        Path file = Files.createTempFile("fuzz", ".safetensors");
        try {
            Files.write(file, bytes);
            try (SafetensorsFile f = SafetensorsFile.open(file)) {
                for (String name : f.names()) {
                    try {
                        f.tensor(name).toByteArray();
                    } catch (dev.petrel.UnsupportedFeatureException fine) {
                        assertThat(fine.getMessage()).contains(name);
                    }
                }
            } catch (PetrelException expected) {
                assertThat(expected.getMessage()).isNotBlank();
            } catch (Throwable t) {
                throw new AssertionError("unexpected " + t + " for " + new String(bytes, StandardCharsets.ISO_8859_1), t);
            }
        } finally {
            Files.delete(file);
        }
    }

    @Property(tries = 1500)
    void randomByteFlipsInTheHeaderReadOrFailCleanly(@ForAll long seed, @ForAll @IntRange(min = 1, max = 4) int flips) throws IOException {
        byte[] bytes = smallFile();
        int headerEnd = bytes.length - 13;
        Random random = new Random(seed);
        for (int i = 0; i < flips; i++) {
            int at = random.nextInt(headerEnd);
            // Half the flips put structural JSON characters, which random bytes rarely hit.
            bytes[at] = random.nextBoolean() ? (byte) random.nextInt(256) : (byte) "{}[]\",:0123456789-.e \\".charAt(random.nextInt(22));
        }
        Assertions.assertTimeout(Duration.ofSeconds(5), () -> readsOrFailsCleanly(bytes));
    }

    @Property(tries = 300)
    void randomBytesFailCleanly(@ForAll long seed, @ForAll @IntRange(min = 0, max = 200) int length) throws IOException {
        byte[] junk = new byte[length];
        new Random(seed).nextBytes(junk);
        if (length >= 8 && seed % 2 == 0) ByteBuffer.wrap(junk).order(ByteOrder.LITTLE_ENDIAN).putLong(0, length - 8 - (seed >>> 1) % 8);
        readsOrFailsCleanly(junk);
    }
}
