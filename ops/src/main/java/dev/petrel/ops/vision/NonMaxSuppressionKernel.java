package dev.petrel.ops.vision;

import dev.petrel.DType;
import dev.petrel.Tensor;
import dev.petrel.graph.Node;
import dev.petrel.ops.Elements;
import dev.petrel.ops.Shapes;
import dev.petrel.spi.Kernel;
import dev.petrel.spi.KernelContext;
import java.util.ArrayList;
import java.util.List;

/**
 * NonMaxSuppression: per batch and class, greedily keeps the highest-scoring boxes (score strictly above
 * score_threshold when given), dropping any box whose IoU with a kept one is strictly above
 * iou_threshold, up to max_output_boxes_per_class. Output INT64 [K, 3] of (batch, class, box), per
 * batch, per class, in selection order. Equal scores keep the lower box index first. Arithmetic is in
 * float, as the boxes are.
 */
final class NonMaxSuppressionKernel implements Kernel {
    private final boolean centerPoint;

    NonMaxSuppressionKernel(Node node) {
        long c = node.attributes().getInt("center_point_box", 0);
        if (c != 0 && c != 1) throw new IllegalArgumentException("NonMaxSuppression center_point_box must be 0 or 1, got " + c);
        this.centerPoint = c == 1;
    }

    @Override
    public void run(KernelContext ctx) {
        Tensor boxesT = ctx.requireInput(0);
        Tensor scoresT = ctx.requireInput(1);
        if (boxesT.rank() != 3 || boxesT.dim(2) != 4) {
            throw new IllegalArgumentException("NonMaxSuppression boxes must be [batch, boxes, 4], got " + boxesT.describe());
        }
        int batches = boxesT.dim(0);
        int n = boxesT.dim(1);
        if (scoresT.rank() != 3 || scoresT.dim(0) != batches || scoresT.dim(2) != n) {
            throw new IllegalArgumentException("NonMaxSuppression scores must be [" + batches + ", classes, " + n + "], got " + scoresT.describe());
        }
        int classes = scoresT.dim(1);
        long maxOut = 0;
        Tensor m = ctx.input(2);
        if (m != null && m.size() > 0) maxOut = Shapes.longs(m)[0];
        float iou = 0;
        Tensor it = ctx.input(3);
        if (it != null && it.size() > 0) iou = (float) Elements.toDoubles(it)[0];
        Tensor st = ctx.input(4);
        boolean hasScoreThreshold = st != null && st.size() > 0;
        float scoreThreshold = hasScoreThreshold ? (float) Elements.toDoubles(st)[0] : 0;
        if (iou < 0 || iou > 1) throw new IllegalArgumentException("NonMaxSuppression iou_threshold must be in [0, 1], got " + iou);

        double[] boxesD = Elements.toDoubles(boxesT);
        double[] scoresD = Elements.toDoubles(scoresT);
        float[] boxes = new float[boxesD.length];
        for (int i = 0; i < boxes.length; i++) boxes[i] = (float) boxesD[i];
        List<long[]> selected = new ArrayList<>();
        if (maxOut > 0) {
            Integer[] order = new Integer[n];
            int[] kept = new int[n];
            for (int b = 0; b < batches; b++) {
                for (int c = 0; c < classes; c++) {
                    int base = (b * classes + c) * n;
                    int cands = 0;
                    for (int i = 0; i < n; i++) {
                        if (!hasScoreThreshold || (float) scoresD[base + i] > scoreThreshold) order[cands++] = i;
                    }
                    final int sb = base;
                    java.util.Arrays.sort(order, 0, cands, (p, q) -> {
                        int cmp = Float.compare((float) scoresD[sb + q], (float) scoresD[sb + p]);
                        return cmp != 0 ? cmp : Integer.compare(p, q);
                    });
                    int keptCount = 0;
                    for (int k = 0; k < cands && keptCount < maxOut; k++) {
                        int box = order[k];
                        boolean suppressed = false;
                        for (int s = 0; s < keptCount && !suppressed; s++) {
                            suppressed = overlaps(boxes, (b * n + kept[s]) * 4, (b * n + box) * 4, iou);
                        }
                        if (!suppressed) {
                            kept[keptCount++] = box;
                            selected.add(new long[] {b, c, box});
                        }
                    }
                }
            }
        }
        Tensor out = ctx.output(0, DType.INT64, selected.size(), 3);
        for (int i = 0; i < selected.size(); i++) {
            for (int k = 0; k < 3; k++) out.longs().put(i * 3 + k, selected.get(i)[k]);
        }
    }

    /** True when the IoU of the two boxes is strictly above the threshold; degenerate boxes never suppress. */
    private boolean overlaps(float[] bx, int p, int q, float threshold) {
        float x1min, x1max, y1min, y1max, x2min, x2max, y2min, y2max;
        if (centerPoint) {
            float w1 = bx[p + 2] / 2, h1 = bx[p + 3] / 2, w2 = bx[q + 2] / 2, h2 = bx[q + 3] / 2;
            x1min = bx[p] - w1;
            x1max = bx[p] + w1;
            y1min = bx[p + 1] - h1;
            y1max = bx[p + 1] + h1;
            x2min = bx[q] - w2;
            x2max = bx[q] + w2;
            y2min = bx[q + 1] - h2;
            y2max = bx[q + 1] + h2;
        } else {
            // [y1, x1, y2, x2] with either corner order.
            y1min = Math.min(bx[p], bx[p + 2]);
            y1max = Math.max(bx[p], bx[p + 2]);
            x1min = Math.min(bx[p + 1], bx[p + 3]);
            x1max = Math.max(bx[p + 1], bx[p + 3]);
            y2min = Math.min(bx[q], bx[q + 2]);
            y2max = Math.max(bx[q], bx[q + 2]);
            x2min = Math.min(bx[q + 1], bx[q + 3]);
            x2max = Math.max(bx[q + 1], bx[q + 3]);
        }
        float ixmin = Math.max(x1min, x2min), ixmax = Math.min(x1max, x2max);
        float iymin = Math.max(y1min, y2min), iymax = Math.min(y1max, y2max);
        if (ixmax <= ixmin || iymax <= iymin) return false;
        float inter = (ixmax - ixmin) * (iymax - iymin);
        float area1 = (x1max - x1min) * (y1max - y1min);
        float area2 = (x2max - x2min) * (y2max - y2min);
        float union = area1 + area2 - inter;
        if (area1 <= 0 || area2 <= 0 || union <= 0) return false;
        return inter / union > threshold;
    }
}
