"""The interdependency engine: the summary tables computed from the whole dependency graph.

A run (run.py) takes the lock, loads the graph (graph.py), corrects the stored health lights
(health.py), computes every figure in memory (compute.py) and writes the tables (write.py).

The graph is loaded with one query per table. Initiatives are numbered 0..n-1 and visited in
topological order (what an initiative depends on before the initiative itself); the set of
initiatives upstream of each one is a Python int used as a bitset, the OR of its direct targets'
sets, so every transitive closure costs one pass over the edges. Authorities and levels are
bitsets too, and `int.bit_count()` counts them.
"""
