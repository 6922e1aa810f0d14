//! Translates a specification into a SeaORM `Select` with bound parameters.

use sea_orm::sea_query::{Expr, ExprTrait, Func, LikeExpr, SimpleExpr};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter};
use sea_orm::{Order, QueryOrder, QuerySelect, Select};

use crate::{Filter, SortDirection, Value};

use super::entity::{{aggregate}}::{Column, Entity};
use crate::{{Aggregate}}Field;
use crate::{{Aggregate}}Specification;

type Field = {{Aggregate}}Field;

pub(super) fn select(spec: &{{Aggregate}}Specification) -> Select<Entity> {
    let mut select = Entity::find().filter(condition(spec));
    for (field, direction) in &spec.sort {
        let order = match direction {
            SortDirection::Ascending => Order::Asc,
            SortDirection::Descending => Order::Desc,
        };
        select = select.order_by(column(*field), order);
    }
    // Ties are broken by id so that pages never overlap or skip rows.
    select = select.order_by(Column::Id, Order::Asc);
    if spec.skip > 0 {
        // Every backend accepts OFFSET only after a LIMIT (MySQL requires one).
        let limit = spec.take.unwrap_or(i64::MAX.unsigned_abs());
        select = select.offset(spec.skip).limit(limit);
    } else if let Some(take) = spec.take {
        select = select.limit(take);
    }
    select
}

pub(super) fn condition(spec: &{{Aggregate}}Specification) -> Condition {
    match &spec.filter {
        Some(filter) => Condition::all().add(expr(filter)),
        None => Condition::all(),
    }
}

fn expr(filter: &Filter<Field>) -> SimpleExpr {
    match filter {
        Filter::Eq(f, v) => column(*f).eq(value(v)),
        Filter::Ne(f, v) => column(*f).ne(value(v)),
        Filter::Lt(f, v) => column(*f).lt(value(v)),
        Filter::Le(f, v) => column(*f).lte(value(v)),
        Filter::Gt(f, v) => column(*f).gt(value(v)),
        Filter::Ge(f, v) => column(*f).gte(value(v)),
        Filter::Contains(f, text) => {
            let pattern = format!("%{}%", escape_like(&text.to_lowercase()));
            let lowered = Expr::expr(Func::lower(Expr::col(column(*f))));
            lowered.like(LikeExpr::new(pattern).escape('\\'))
        }
        Filter::In(f, values) => column(*f).is_in(values.iter().map(value)),
        Filter::And(filters) => filters
            .iter()
            .fold(Condition::all(), |c, f| c.add(expr(f)))
            .into(),
        Filter::Or(filters) => filters
            .iter()
            .fold(Condition::any(), |c, f| c.add(expr(f)))
            .into(),
        Filter::Not(filter) => Condition::all().add(expr(filter)).not().into(),
    }
}

fn column(field: Field) -> Column {
    match field {
        Field::Id => Column::Id,
        Field::Name => Column::Name,
        Field::Status => Column::Status,
        Field::AmountCents => Column::AmountCents,
        Field::CreatedAt => Column::CreatedAt,
        Field::UpdatedAt => Column::UpdatedAt,
    }
}

fn value(value: &Value) -> sea_orm::Value {
    match value {
        Value::Text(s) => s.clone().into(),
        Value::Integer(i) => (*i).into(),
        Value::Uuid(u) => (*u).into(),
        Value::Timestamp(t) => (*t).into(),
    }
}

/// Makes `%`, `_` and `\` match themselves in a LIKE pattern.
fn escape_like(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}
