package dev.petrel.ops.vision;

import static org.assertj.core.api.Assertions.assertThat;

import dev.petrel.Tensor;
import dev.petrel.graph.Attribute;
import dev.petrel.ops.OpHarness;
import org.junit.jupiter.api.Test;

class NonMaxSuppressionKernelTest {
    // Unit-height boxes; b1 overlaps b0 with IoU 0.9/1.1, b3 overlaps b0 with IoU 0.5/1.5, b2 is apart.
    private static final float[] CORNERS = {0, 0, 1, 1, 0, 0.1f, 1, 1.1f, 0, 2, 1, 3, 0, 0.5f, 1, 1.5f};
    private static final float[] CENTERS = {0.5f, 0.5f, 1, 1, 0.6f, 0.5f, 1, 1, 2.5f, 0.5f, 1, 1, 1, 0.5f, 1, 1};
    private static final float[] SCORES = {0.9f, 0.8f, 0.7f, 0.95f};

    private static long[] nms(float[] boxes, float[] scores, int classes, long max, float iou, Float scoreThreshold, Attribute... attrs) {
        int n = boxes.length / 4;
        Tensor out = OpHarness.run("NonMaxSuppression", 11, new Tensor[] {Tensor.of(boxes, 1, n, 4), Tensor.of(scores, 1, classes, n),
                Tensor.of(new long[] {max}, 1), Tensor.of(new float[] {iou}, 1),
                scoreThreshold == null ? null : Tensor.of(new float[] {scoreThreshold}, 1)}, attrs);
        assertThat(out.dims()[1]).isEqualTo(3);
        return out.toLongArray();
    }

    @Test
    void suppressesOverlapsInScoreOrderWithCornerBoxes() {
        assertThat(nms(CORNERS, SCORES, 1, 10, 0.5f, null)).containsExactly(0, 0, 3, 0, 0, 0, 0, 0, 2);
    }

    @Test
    void centerPointBoxesGiveTheSameSelection() {
        assertThat(nms(CENTERS, SCORES, 1, 10, 0.5f, null, Attribute.ofInt("center_point_box", 1)))
                .containsExactly(0, 0, 3, 0, 0, 0, 0, 0, 2);
    }

    @Test
    void flippedCornersAreNormalized() {
        float[] flipped = CORNERS.clone();
        flipped[0] = 1;
        flipped[2] = 0; // b0 as (y2, x1, y1, x2)
        assertThat(nms(flipped, SCORES, 1, 10, 0.5f, null)).containsExactly(0, 0, 3, 0, 0, 0, 0, 0, 2);
    }

    @Test
    void limitAndScoreThreshold() {
        assertThat(nms(CORNERS, SCORES, 1, 2, 0.5f, null)).containsExactly(0, 0, 3, 0, 0, 0);
        assertThat(nms(CORNERS, SCORES, 1, 10, 0.5f, 0.75f)).containsExactly(0, 0, 3, 0, 0, 0);
        assertThat(nms(CORNERS, SCORES, 1, 0, 0.5f, null)).isEmpty();
    }

    @Test
    void lowerThresholdSuppressesMore() {
        // IoU(b3, b0) = 1/3 is above 0.3: b0 goes; IoU(b3, b1) = 0.6/1.4 as well: b1 goes.
        assertThat(nms(CORNERS, SCORES, 1, 10, 0.3f, null)).containsExactly(0, 0, 3, 0, 0, 2);
    }

    @Test
    void iouEqualToThresholdDoesNotSuppress() {
        float[] same = {0, 0, 1, 1, 0, 0, 1, 1};
        assertThat(nms(same, new float[] {0.5f, 0.6f}, 1, 10, 1.0f, null)).containsExactly(0, 0, 1, 0, 0, 0);
    }

    @Test
    void classesAreIndependent() {
        float[] scores = {0.9f, 0.8f, 0.7f, 0.95f, 0.1f, 0.2f, 0.3f, 0.4f};
        assertThat(nms(CORNERS, scores, 2, 1, 0.5f, null)).containsExactly(0, 0, 3, 0, 1, 3);
    }
}
