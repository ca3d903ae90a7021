"""Queries over self-referencing tables (organisation units, question categories)."""
from sqlalchemy import select


def subtree_ids(model, root_id: int):
    """A select of `root_id` and the ids of every row beneath it, at any depth."""
    tree = select(model.id).where(model.id == root_id).cte(recursive=True)
    tree = tree.union_all(select(model.id).where(model.parent_id == tree.c.id))
    return select(tree.c.id)
