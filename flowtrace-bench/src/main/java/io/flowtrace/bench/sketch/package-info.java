/**
 * JMH benchmarks of the sketches in {@code io.flowtrace.sketch}, each beside Apache DataSketches doing the nearest
 * job in the same run. Inputs are generated once per trial (Zipf 1.0 keys, mixed packet sizes) and pre-hashed, so
 * the measured loop is the sketch update alone. Run with {@code -prof gc} to see bytes allocated per update.
 */
package io.flowtrace.bench.sketch;
