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
}
