"""The query flow: resolve a library version, retrieve hybrid candidates, assemble, render."""
