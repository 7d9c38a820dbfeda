/**
 * JMH benchmarks of the sketches in {@code io.flowtrace.sketch}'s family packages, each beside Apache DataSketches
 * doing the nearest job in the same run, and of every built-in aggregator's {@code onPacket}. Inputs are generated
 * once per trial (Zipf 1.0 keys, mixed packet sizes) and pre-hashed, so the measured loop is the update alone. Run
 * with {@code -prof gc} to see bytes allocated per update.
 */
package io.flowtrace.bench.sketch;
