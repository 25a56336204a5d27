//! Contact suggestions from calendar attendees and email correspondents (nothing is stored:
//! every call recomputes).

use futures_util::FutureExt;
use omnicrm_domain::contacts::suggestions::SUGGESTED_LIFECYCLE_STAGE;
use omnicrm_domain::contacts::{
    AcceptSuggestions, AcceptedSuggestions, ClientStatus, Contact, ContactSuggestion,
};
use omnicrm_domain::entities::IdentifierKind;
use omnicrm_domain::{ContactId, UserId};
use omnicrm_domain::{Page, PageQuery};
use omnicrm_problem::AppError;
use omnicrm_repo::AsyncPgConnection;
use omnicrm_repo::contacts::{ContactsRepository, NewContactRow};
use omnicrm_repo::identities::{ContactIdentitiesRepository, NewContactIdentityRow};
use omnicrm_repo::suggestions::{AttendeeRow, SuggestionsRepository};

use super::ContactsService;

impl ContactsService {
    /// People from the user's calendar events and emails of the last 6 months who are not
    /// contacts yet, most shared events and emails first. Nothing is created.
    pub async fn suggestions(
        &self,
        user: UserId,
        query: PageQuery,
    ) -> Result<Page<ContactSuggestion>, AppError> {
        self.db
            .tenant(user, move |conn| {
                async move {
                    // Computed whole (the accept path needs every one anyway), then paged.
                    let rows = SuggestionsRepository::candidates(conn, user).await?;
                    Ok(Page::from_all(
                        rows.into_iter().map(to_suggestion).collect(),
                        query.page_request(),
                    ))
                }
                .boxed()
            })
            .await
    }

    /// Creates a contact (source `calendar_attendee` or `email_correspondent`, stage
    /// `Prospect`, plus an email identity seen in `calendar` or `gmail`) for each chosen suggestion, in one transaction. The
    /// suggestions are recomputed first, so an id that no longer matches one (the person
    /// became a contact, was ignored, or never existed) creates nothing and is reported in
    /// `unknownIds`. Concurrent acceptances of one user are serialised.
    pub async fn accept_suggestions(
        &self,
        user: UserId,
        input: AcceptSuggestions,
    ) -> Result<AcceptedSuggestions, AppError> {
        self.db
            .tenant(user, move |conn| {
                async move {
                    // Concurrent acceptances (and creates) wait here, then see the contacts
                    // created meanwhile among the existing ones.
                    omnicrm_repo::tenants::lock_for_contact_insert(conn, user).await?;
                    let current: Vec<ContactSuggestion> =
                        SuggestionsRepository::candidates(conn, user)
                            .await?
                            .into_iter()
                            .map(to_suggestion)
                            .collect();
                    let mut wanted = input.suggestion_ids;
                    let mut seen = std::collections::HashSet::new();
                    wanted.retain(|id| seen.insert(id.clone()));
                    let (mut items, mut unknown_ids) = (Vec::new(), Vec::new());
                    for id in wanted {
                        match current.iter().find(|s| s.id == id) {
                            Some(suggestion) => {
                                items.push(create_from(conn, user, suggestion).await?);
                            }
                            None => unknown_ids.push(id),
                        }
                    }
                    Ok(AcceptedSuggestions { items, unknown_ids })
                }
                .boxed()
            })
            .await
    }
}

fn to_suggestion(row: AttendeeRow) -> ContactSuggestion {
    ContactSuggestion::from_person(
        row.email,
        row.display_name,
        u32::try_from(row.event_count).unwrap_or(u32::MAX),
        u32::try_from(row.email_count).unwrap_or(u32::MAX),
        row.last_event_date,
        row.event_titles,
    )
}

async fn create_from(
    conn: &mut AsyncPgConnection,
    user: UserId,
    suggestion: &ContactSuggestion,
) -> Result<Contact, AppError> {
    let contact = NewContactRow {
        user_id: user.into_uuid(),
        id: ContactId::generate().into_uuid(),
        display_name: suggestion.display_name.clone(),
        primary_email: Some(suggestion.email.clone()),
        primary_phone: None,
        source: Some(suggestion.source.as_str().to_owned()),
        lifecycle_stage: Some(SUGGESTED_LIFECYCLE_STAGE.to_owned()),
        client_status: ClientStatus::default().as_str().to_owned(),
        referral_source: None,
        confidence_score: None,
        date_of_birth: None,
        emergency_contact_name: None,
        emergency_contact_phone: None,
        address: None,
        health_context: None,
        preferences: None,
    };
    let row = ContactsRepository::insert(conn, &contact).await?;
    ContactIdentitiesRepository::insert(
        conn,
        &NewContactIdentityRow {
            user_id: user.into_uuid(),
            id: uuid::Uuid::now_v7(),
            contact_id: row.id,
            kind: IdentifierKind::Email.as_str().to_owned(),
            provider: Some(suggestion.source.identity_provider().to_owned()),
            value: suggestion.email.clone(),
        },
    )
    .await?;
    row.try_into()
}
