package dev.petrel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class TensorTest {
    @Test
    void copiesTheCallersArray() {
        float[] data = {1, 2, 3, 4, 5, 6};
        Tensor t = Tensor.of(data, 2, 3);
        data[0] = 99;
        assertThat(t.toFloatArray()).containsExactly(1, 2, 3, 4, 5, 6);
        assertThat(t.shape()).containsExactly(2, 3);
        assertThat(t.describe()).isEqualTo("FLOAT[2, 3]");
    }

    @Test
    void rejectsShapesThatDoNotFit() {
        assertThatThrownBy(() -> Tensor.of(new float[5], 2, 3)).isInstanceOf(PetrelException.class)
                .hasMessageContaining("5 values do not fill shape [2, 3]");
        assertThatThrownBy(() -> Tensor.allocate(DType.FLOAT, 2, -1)).isInstanceOf(PetrelException.class)
                .hasMessageContaining("negative dimension");
        assertThatThrownBy(() -> Tensor.allocate(DType.FLOAT, 1 << 16, 1 << 16)).isInstanceOf(PetrelException.class)
                .hasMessageContaining("2^31-1");
    }

    @Test
    void viewsMatchTheType() {
        Tensor t = Tensor.of(new long[] {1, -2}, 2);
        assertThat(t.longs().get(1)).isEqualTo(-2);
        assertThatThrownBy(t::floats).isInstanceOf(PetrelException.class).hasMessageContaining("INT64[2] has no float view");
    }

    @Test
    void reshapeSharesStorage() {
        Tensor t = Tensor.of(new int[] {1, 2, 3, 4}, 2, 2);
        Tensor r = t.reshape(4);
        t.ints().put(3, 40);
        assertThat(r.toIntArray()).containsExactly(1, 2, 3, 40);
        assertThatThrownBy(() -> t.reshape(3)).isInstanceOf(PetrelException.class);
    }

    @Test
    void scalarsHaveRankZero() {
        Tensor s = Tensor.scalar(2.5f);
        assertThat(s.rank()).isZero();
        assertThat(s.size()).isOne();
    }

    @Test
    void copyBytesCopiesShortAndLongRunsAtAbsoluteIndices() {
        for (int length : new int[] {0, 1, 7, 8, 13, 511, 512, 2000}) {
            java.nio.ByteBuffer src = java.nio.ByteBuffer.allocate(length + 10);
            java.nio.ByteBuffer dst = java.nio.ByteBuffer.allocateDirect(length + 20).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < src.capacity(); i++) src.put(i, (byte) (i * 31 + 7));
            Tensor.copyBytes(src, 3, dst, 5, length);
            for (int i = 0; i < dst.capacity(); i++) {
                byte want = i >= 5 && i < 5 + length ? (byte) ((i - 2) * 31 + 7) : 0;
                assertThat(dst.get(i)).as("length %d, byte %d", length, i).isEqualTo(want);
            }
            assertThat(src.position()).isZero();
            assertThat(dst.position()).isZero();
        }
    }
}
