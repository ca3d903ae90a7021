"""Read-only selects for accounts."""
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from ..core.trees import subtree_ids
from ..extensions import db
from .models import OrgUnit, User, UserRole


def search_users(q: str = "", role: str = "", status: str = "", page: int = 1, per_page: int = 50):
    query = select(User).options(selectinload(User.role_rows))
    if q:
        like = f"%{q.strip().lower()}%"
        query = query.where(or_(func.lower(User.name).like(like), User.email.like(like)))
    if role:
        query = query.where(User.id.in_(select(UserRole.user_id).where(UserRole.role == role)))
    if status == "active":
        query = query.where(User.is_active.is_(True))
    elif status == "inactive":
        query = query.where(User.is_active.is_(False))
    return db.paginate(query.order_by(User.name, User.id), page=page, per_page=per_page, error_out=False)


def org_units_in_order() -> list[OrgUnit]:
    """Every unit, parents before children, sorted by path."""
    units = db.session.scalars(select(OrgUnit)).all()
    return sorted(units, key=lambda unit: unit.path.lower())


def count_users_by_role() -> dict[str, int]:
    rows = db.session.execute(select(UserRole.role, func.count()).group_by(UserRole.role)).all()
    return dict(rows)


def unit_and_descendant_ids(unit_id: int) -> list[int]:
    """The unit and every unit inside it, at any depth."""
    return list(db.session.scalars(subtree_ids(OrgUnit, unit_id)))


def search_learners(q: str = "", unit_id: int = 0, page: int = 1, per_page: int = 50):
    query = select(User).where(
        User.is_active.is_(True),
        User.id.in_(select(UserRole.user_id).where(UserRole.role == "learner")),
    )
    if q:
        like = f"%{q.lower()}%"
        query = query.where(or_(func.lower(User.name).like(like), User.email.like(like)))
    if unit_id:
        query = query.where(User.org_unit_id.in_(unit_and_descendant_ids(unit_id)))
    return db.paginate(query.order_by(User.name, User.id), page=page, per_page=per_page, error_out=False)
