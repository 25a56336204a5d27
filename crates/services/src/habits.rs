//! Habits use cases: the user's habits, one completion per habit and local day, streaks,
//! per-habit analytics and the summary across habits. "Today" is the user's local day in
//! the time zone of their profile (UTC without one); the maths is in
//! `omnicrm_domain::habits`.

use std::collections::HashMap;

use futures_util::FutureExt;
use omnicrm_domain::habits::{
    CompletionListQuery, CreateHabit, CreateHabitCompletion, Done, Habit, HabitAnalytics,
    HabitCompletion, HabitHistory, HabitListQuery, HabitStreakReport, HabitType, HabitsSummary,
    SUMMARY_TAIL_DAYS, UpdateHabit, analytics, streak, summary, tail_suffices, window_start,
};
use omnicrm_domain::{Zone, local_date};

use crate::local_day::{today, user_zone};
use omnicrm_domain::{HabitCompletionId, HabitId, Page, PaginationMeta, UserId};
use omnicrm_problem::AppError;
use omnicrm_repo::Db;
use omnicrm_repo::habits::{
    CompletionsRepository, HabitChanges, HabitRow, HabitsRepository, NewCompletionRow, NewHabitRow,
};
use time::{Date, Duration, OffsetDateTime};

/// Why a yes/no habit refuses a value.
const NO_VALUE: &str = "a yes/no (boolean) habit records no value";

/// Create, read, list, change and delete habits; record and undo completions; streaks
/// and analytics.
#[derive(Debug, Clone)]
pub struct HabitsService {
    db: Db,
}

impl HabitsService {
    /// Wraps the database handle.
    pub fn new(db: Db) -> Self {
        Self { db }
    }

    /// One page of the user's habits, oldest first.
    pub async fn list(&self, user: UserId, query: HabitListQuery) -> Result<Page<Habit>, AppError> {
        self.db
            .tenant(user, move |conn| {
                async move {
                    let page = query.page_request();
                    let rows = HabitsRepository::list(conn, user, query.is_active, page).await?;
                    let total = HabitsRepository::count(conn, user, query.is_active).await?;
                    Ok(Page {
                        items: rows
                            .into_iter()
                            .map(Habit::try_from)
                            .collect::<Result<_, _>>()?,
                        pagination: PaginationMeta::new(page, total),
                    })
                }
                .boxed()
            })
            .await
    }

    /// Creates a habit.
    pub async fn create(&self, user: UserId, input: CreateHabit) -> Result<Habit, AppError> {
        let row = NewHabitRow::from_input(user, HabitId::generate(), input);
        self.db
            .tenant(user, move |conn| {
                async move {
                    omnicrm_repo::tenants::ensure(conn, user).await?;
                    HabitsRepository::insert(conn, &row).await?.try_into()
                }
                .boxed()
            })
            .await
    }

    /// One habit, or 404 (also when it belongs to someone else).
    pub async fn get(&self, user: UserId, id: HabitId) -> Result<Habit, AppError> {
        self.db
            .tenant(user, move |conn| {
                async move { HabitsRepository::find(conn, user, id).await?.try_into() }.boxed()
            })
            .await
    }

    /// Applies a PATCH; 404 when absent.
    pub async fn update(
        &self,
        user: UserId,
        id: HabitId,
        input: UpdateHabit,
    ) -> Result<Habit, AppError> {
        let changes = HabitChanges::from_input(input);
        self.db
            .tenant(user, move |conn| {
                async move {
                    HabitsRepository::update(conn, user, id, &changes)
                        .await?
                        .try_into()
                }
                .boxed()
            })
            .await
    }

    /// Deletes a habit and its completions; 404 when absent.
    pub async fn delete(&self, user: UserId, id: HabitId) -> Result<(), AppError> {
        self.db
            .tenant(user, move |conn| {
                async move {
                    if HabitsRepository::delete(conn, user, id).await? {
                        Ok(())
                    } else {
                        Err(AppError::not_found())
                    }
                }
                .boxed()
            })
            .await
    }

    /// Records that the habit was done on a day (today in the user's zone by default).
    /// 404 when the habit is not the user's, 409 when that day is already done or a
    /// yes/no habit is given a value. A measured habit without a value records its
    /// target (1 without one).
    pub async fn complete(
        &self,
        user: UserId,
        habit: HabitId,
        input: CreateHabitCompletion,
    ) -> Result<HabitCompletion, AppError> {
        let now = OffsetDateTime::now_utc();
        self.db
            .tenant(user, move |conn| {
                let input = input.clone();
                async move {
                    let row = HabitsRepository::lock(conn, user, habit).await?;
                    let value = match (row.kind()?, input.value_completed) {
                        (HabitType::Boolean, Some(_)) => {
                            return Err(AppError::conflict(NO_VALUE));
                        }
                        (HabitType::Boolean, None) => None,
                        (_, Some(value)) => Some(value),
                        (_, None) => Some(row.target_value.unwrap_or(1)),
                    };
                    let completed_date = match input.completed_date {
                        Some(date) => date,
                        None => today(conn, user, now).await?,
                    };
                    let new = NewCompletionRow {
                        user_id: user,
                        id: HabitCompletionId::generate(),
                        habit_id: habit,
                        completed_date,
                        value_completed: value,
                        notes: input.notes,
                    };
                    Ok(CompletionsRepository::insert(conn, &new).await?.into())
                }
                .boxed()
            })
            .await
    }

    /// Undoes a completion; 404 when the habit or the completion (of that habit) is not
    /// the user's.
    pub async fn undo(
        &self,
        user: UserId,
        habit: HabitId,
        completion: HabitCompletionId,
    ) -> Result<(), AppError> {
        self.db
            .tenant(user, move |conn| {
                async move {
                    if CompletionsRepository::delete(conn, user, habit, completion).await? {
                        Ok(())
                    } else {
                        Err(AppError::not_found())
                    }
                }
                .boxed()
            })
            .await
    }

    /// One page of a habit's completions, newest day first; 404 when the habit is not
    /// the user's.
    pub async fn completions(
        &self,
        user: UserId,
        habit: HabitId,
        query: CompletionListQuery,
    ) -> Result<Page<HabitCompletion>, AppError> {
        self.db
            .tenant(user, move |conn| {
                async move {
                    HabitsRepository::find(conn, user, habit).await?;
                    let page = query.page_request();
                    let range = (query.start_date, query.end_date);
                    let rows = CompletionsRepository::list(conn, user, habit, range, page).await?;
                    let total = CompletionsRepository::count(conn, user, habit, range).await?;
                    Ok(Page {
                        items: rows.into_iter().map(HabitCompletion::from).collect(),
                        pagination: PaginationMeta::new(page, total),
                    })
                }
                .boxed()
            })
            .await
    }

    /// The habit's streak on the user's today.
    pub async fn streak(
        &self,
        user: UserId,
        habit: HabitId,
    ) -> Result<HabitStreakReport, AppError> {
        let now = OffsetDateTime::now_utc();
        self.db
            .tenant(user, move |conn| {
                async move {
                    let row = HabitsRepository::find(conn, user, habit).await?;
                    let today = today(conn, user, now).await?;
                    let history = CompletionsRepository::history(conn, user, habit).await?;
                    let dates: Vec<Date> = history.iter().map(|(d, _)| *d).collect();
                    Ok(HabitStreakReport {
                        habit_id: habit,
                        today,
                        streak: streak(&dates, today, row.frequency()?),
                    })
                }
                .boxed()
            })
            .await
    }

    /// The habit's analytics over the last `days` days (from its start if younger).
    pub async fn analytics(
        &self,
        user: UserId,
        habit: HabitId,
        days: u16,
    ) -> Result<HabitAnalytics, AppError> {
        let now = OffsetDateTime::now_utc();
        self.db
            .tenant(user, move |conn| {
                async move {
                    let row = HabitsRepository::find(conn, user, habit).await?;
                    let tz = user_zone(conn, user).await?;
                    let today = local_date(now, tz);
                    let history = CompletionsRepository::history(conn, user, habit).await?;
                    let done: Vec<Done> = history
                        .iter()
                        .map(|(date, value)| Done {
                            date: *date,
                            value: *value,
                        })
                        .collect();
                    let started = started(&row, tz, history.first().map(|(d, _)| *d));
                    let start = window_start(today, days, started);
                    let a = analytics(&done, start, today, row.frequency()?);
                    Ok(HabitAnalytics {
                        habit_id: habit,
                        start_date: start,
                        end_date: today,
                        stats: a.stats,
                        heatmap: a.heatmap,
                        weekly_pattern: a.weekly_pattern,
                    })
                }
                .boxed()
            })
            .await
    }

    /// Figures across the user's habits on their today. Reads the last
    /// [`SUMMARY_TAIL_DAYS`] days of completions and each habit's first day; only a habit
    /// whose current run reaches back further is read further (512 days, then all).
    pub async fn summary(&self, user: UserId) -> Result<HabitsSummary, AppError> {
        let now = OffsetDateTime::now_utc();
        self.db
            .tenant(user, move |conn| {
                async move {
                    let tz = user_zone(conn, user).await?;
                    let today = local_date(now, tz);
                    let habits = HabitsRepository::all(conn, user).await?;
                    let firsts: HashMap<HabitId, Date> =
                        CompletionsRepository::first_days(conn, user)
                            .await?
                            .into_iter()
                            .collect();
                    let mut from = today - Duration::days(SUMMARY_TAIL_DAYS - 1);
                    let mut by_habit = group(
                        CompletionsRepository::days_since(conn, user, None, Some(from)).await?,
                    );
                    let mut wider = [Some(512), None].into_iter();
                    loop {
                        let mut short = Vec::new();
                        for row in &habits {
                            let covered = firsts.get(&row.id).is_none_or(|f| *f >= from);
                            let tail = by_habit.get(&row.id).map_or(&[][..], Vec::as_slice);
                            if !covered && !tail_suffices(tail, from, today, row.frequency()?) {
                                short.push(row.id);
                            }
                        }
                        let Some(span) = wider.next().filter(|_| !short.is_empty()) else {
                            break;
                        };
                        let since = span.map(|days: i64| today - Duration::days(days - 1));
                        from = since.unwrap_or(Date::MIN);
                        let more =
                            CompletionsRepository::days_since(conn, user, Some(&short), since)
                                .await?;
                        for id in &short {
                            by_habit.remove(id);
                        }
                        by_habit.extend(group(more));
                    }
                    let empty = Vec::new();
                    let mut histories = Vec::with_capacity(habits.len());
                    for row in &habits {
                        let dates = by_habit.get(&row.id).unwrap_or(&empty);
                        histories.push(HabitHistory {
                            active: row.is_active,
                            frequency: row.frequency()?,
                            started: started(row, tz, firsts.get(&row.id).copied()),
                            dates,
                        });
                    }
                    Ok(summary(&histories, today))
                }
                .boxed()
            })
            .await
    }
}

/// Days by habit.
fn group(rows: Vec<(HabitId, Date)>) -> HashMap<HabitId, Vec<Date>> {
    let mut by_habit: HashMap<HabitId, Vec<Date>> = HashMap::new();
    for (habit, day) in rows {
        by_habit.entry(habit).or_default().push(day);
    }
    by_habit
}

/// The local day a habit started: its creation day, or its first completion if earlier.
fn started(row: &HabitRow, tz: Zone, first: Option<Date>) -> Date {
    let created = local_date(row.created_at, tz);
    first.map_or(created, |f| f.min(created))
}
