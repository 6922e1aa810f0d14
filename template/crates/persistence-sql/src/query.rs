//! Translates a specification into a SeaORM `Select` with bound parameters.

use sea_orm::sea_query::SimpleExpr;
use sea_orm::{Condition, EntityTrait, QueryFilter};
use sea_orm::{Order, QueryOrder, QuerySelect, Select};

use {{crate_name}}_persistence_model::{SortDirection, Specification};

/// What an aggregate's conditions and sort keys are in SQL: each aggregate's
/// repository implements it for its entity.
pub(crate) trait Translation {
    type Entity: EntityTrait;
    type Condition;
    type SortKey: Copy;

    fn expr(condition: &Self::Condition) -> SimpleExpr;

    fn column(key: Self::SortKey) -> <Self::Entity as EntityTrait>::Column;

    /// The last sort key, so that ties have a fixed order.
    fn id_column() -> <Self::Entity as EntityTrait>::Column;
}

type Spec<T> = Specification<<T as Translation>::Condition, <T as Translation>::SortKey>;

pub(crate) fn select<T: Translation>(spec: &Spec<T>) -> Select<T::Entity> {
    let mut select = T::Entity::find().filter(condition::<T>(spec));
    for (key, direction) in &spec.sort {
        let order = match direction {
            SortDirection::Ascending => Order::Asc,
            SortDirection::Descending => Order::Desc,
        };
        select = select.order_by(T::column(*key), order);
    }
    // Ties are broken by id so that pages never overlap or skip rows.
    select = select.order_by(T::id_column(), Order::Asc);
    if spec.skip > 0 {
        // Every backend accepts OFFSET only after a LIMIT (MySQL requires one).
        let limit = spec.take.unwrap_or(i64::MAX.unsigned_abs());
        select = select.offset(spec.skip).limit(limit);
    } else if let Some(take) = spec.take {
        select = select.limit(take);
    }
    select
}

pub(crate) fn condition<T: Translation>(spec: &Spec<T>) -> Condition {
    let Some(filter) = &spec.filter else {
        return Condition::all();
    };
    let combine = |start: Condition, exprs: Vec<SimpleExpr>| {
        exprs.into_iter().fold(start, Condition::add).into()
    };
    let expr = filter.fold(
        &T::expr,
        &|all| combine(Condition::all(), all),
        &|any| combine(Condition::any(), any),
        &|not: SimpleExpr| Condition::all().add(not).not().into(),
    );
    Condition::all().add(expr)
}

/// Makes `%`, `_` and `\` match themselves in a LIKE pattern.
pub(crate) fn escape_like(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}
