/**
 * What the aggregator families share: the aggregator base classes (totals, key bound, byte-form header), the key
 * index, the byte form's family tags and helpers, settings, seeds and heap budgets. Not exported: the types here
 * may change in any release. Single-writer classes unless said otherwise; nothing here allocates per packet.
 */
package io.flowtrace.sketch.internal;
