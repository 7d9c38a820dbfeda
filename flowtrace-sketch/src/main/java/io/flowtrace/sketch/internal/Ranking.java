package io.flowtrace.sketch.internal;

/** Picks the largest values of per-key arrays without sorting them all. Thread-safe (stateless). */
public final class Ranking {
    private Ranking() {
    }

    /** Ids of the {@code k} largest of {@code v[0..n)}, largest first (ties by id), with a k-slot min-heap. */
    public static int[] largest(long[] v, int n, int k) {
        int[] heap = new int[k];
        int size = 0;
        for (int id = 0; id < n; id++) {
            if (size < k) {
                int i = size++;
                while (i > 0) {
                    int parent = (i - 1) >>> 1;
                    if (!less(v, id, heap[parent])) {
                        break;
                    }
                    heap[i] = heap[parent];
                    i = parent;
                }
                heap[i] = id;
            } else if (k > 0 && less(v, heap[0], id)) {
                siftDown(v, heap, k, id);
            }
        }
        // pop the min-heap into descending order
        int[] out = new int[size];
        for (int end = size - 1; end >= 0; end--) {
            out[end] = heap[0];
            siftDown(v, heap, end, heap[end]);
        }
        return out;
    }

    /** Puts {@code id} at the root of the min-heap {@code heap[0..size)} and sifts it down to its place. */
    private static void siftDown(long[] v, int[] heap, int size, int id) {
        int i = 0;
        while (true) {
            int c = 2 * i + 1;
            if (c >= size) {
                break;
            }
            if (c + 1 < size && less(v, heap[c + 1], heap[c])) {
                c++;
            }
            if (!less(v, heap[c], id)) {
                break;
            }
            heap[i] = heap[c];
            i = c;
        }
        heap[i] = id;
    }

    /** Ranking order: a is "less" than b when its value is smaller, or equal with a larger id. */
    private static boolean less(long[] v, int a, int b) {
        return v[a] < v[b] || (v[a] == v[b] && a > b);
    }
}
