"""The graph model: nodes, tensor edges, module tree and scopes. Never imports torch."""

from .model import Edge, Graph, Module, Node, Scope

__all__ = ["Edge", "Graph", "Module", "Node", "Scope"]
