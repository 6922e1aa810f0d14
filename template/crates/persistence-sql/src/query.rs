//! Translates a specification into a SeaORM `Select` with bound parameters.

use sea_orm::sea_query::{Expr, ExprTrait, Func, LikeExpr, SimpleExpr};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter};
use sea_orm::{Order, QueryOrder, QuerySelect, Select};

use {{crate_name}}_persistence_model::SortDirection;

use crate::entity::{{aggregate}}::{Column, Entity};
use {{crate_name}}_persistence_model::{{Aggregate}}Condition;
use {{crate_name}}_persistence_model::{{Aggregate}}SortKey;
use {{crate_name}}_persistence_model::{{Aggregate}}Specification;

type Spec = {{Aggregate}}Specification;

pub(crate) fn select(spec: &Spec) -> Select<Entity> {
    let mut select = Entity::find().filter(condition(spec));
    for (key, direction) in &spec.sort {
        let order = match direction {
            SortDirection::Ascending => Order::Asc,
            SortDirection::Descending => Order::Desc,
        };
        select = select.order_by(column(*key), order);
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

pub(crate) fn condition(spec: &Spec) -> Condition {
    let Some(filter) = &spec.filter else {
        return Condition::all();
    };
    let combine = |start: Condition, exprs: Vec<SimpleExpr>| {
        exprs.into_iter().fold(start, Condition::add).into()
    };
    let expr = filter.fold(
        &expr,
        &|all| combine(Condition::all(), all),
        &|any| combine(Condition::any(), any),
        &|not: SimpleExpr| Condition::all().add(not).not().into(),
    );
    Condition::all().add(expr)
}

fn expr(condition: &{{Aggregate}}Condition) -> SimpleExpr {
    type Is = {{Aggregate}}Condition;
    match condition {
        Is::Status(status) => Column::Status.eq(status.as_str()),
        Is::Name(name) => Column::Name.eq(name.as_str()),
        Is::NameContains(text) => {
            let pattern = format!("%{}%", escape_like(&text.to_lowercase()));
            let lowered = Expr::expr(Func::lower(Expr::col(Column::Name)));
            lowered.like(LikeExpr::new(pattern).escape('\\'))
        }
        Is::AmountBetween { min, max } => Column::AmountCents.between(min.cents(), max.cents()),
    }
}

fn column(key: {{Aggregate}}SortKey) -> Column {
    type Key = {{Aggregate}}SortKey;
    match key {
        Key::Name => Column::Name,
        Key::Status => Column::Status,
        Key::AmountCents => Column::AmountCents,
        Key::CreatedAt => Column::CreatedAt,
        Key::UpdatedAt => Column::UpdatedAt,
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
