/** The {@code memory} snapshot store: every task's snapshots over a retention window, bounded in bytes. */
package io.flowtrace.query.memory;
