"""The definition as a graph, for drawing: the engine's (definition/graph.py), re-exported."""

from ..definition.graph import Edge, Graph, Node, graph_of  # noqa: F401
