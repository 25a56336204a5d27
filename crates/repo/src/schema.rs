// @generated automatically by Diesel CLI.

pub mod sql_types {
    /// PostgreSQL's `tsvector` (the search vectors; written by the database only).
    #[derive(Debug, diesel::query_builder::QueryId, Clone, diesel::sql_types::SqlType)]
    #[diesel(postgres_type(name = "tsvector", schema = "pg_catalog"))]
    pub struct Tsvector;
}

diesel::table! {
    account_tenants (subject) {
        subject -> Uuid,
        tenant_id -> Uuid,
        since -> Timestamptz,
    }
}

diesel::table! {
    ai_insights (user_id, id) {
        user_id -> Uuid,
        id -> Uuid,
        subject_type -> Text,
        subject_id -> Nullable<Uuid>,
        kind -> Text,
        content -> Jsonb,
        model -> Nullable<Text>,
        fingerprint -> Nullable<Text>,
        created_at -> Timestamptz,
        status -> Text,
        prompt_version -> Nullable<Text>,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    ai_quotas (user_id) {
        user_id -> Uuid,
        credits_left -> Int4,
        period_start -> Date,
    }
}

diesel::table! {
    ai_usage (user_id, id) {
        user_id -> Uuid,
        id -> Uuid,
        model -> Text,
        input_tokens -> Int4,
        output_tokens -> Int4,
        cost_usd_micros -> Int8,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    client_consents (user_id, id) {
        user_id -> Uuid,
        id -> Uuid,
        contact_id -> Uuid,
        consent_type -> Text,
        consent_text_version -> Text,
        granted -> Bool,
        granted_at -> Timestamptz,
        ip_address -> Nullable<Text>,
        user_agent -> Nullable<Text>,
        signature_svg -> Nullable<Text>,
        signature_image_url -> Nullable<Text>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    client_files (user_id, id) {
        user_id -> Uuid,
        id -> Uuid,
        contact_id -> Uuid,
        file_type -> Text,
        file_path -> Text,
        mime_type -> Nullable<Text>,
        file_size -> Nullable<Int4>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    contact_duplicates (user_id, contact_id, existing_id) {
        user_id -> Uuid,
        contact_id -> Uuid,
        existing_id -> Uuid,
        matched -> Text,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    contact_history (user_id, id) {
        user_id -> Uuid,
        id -> Uuid,
        contact_id -> Uuid,
        kind -> Text,
        detail -> Jsonb,
        occurred_at -> Timestamptz,
    }
}

diesel::table! {
    contact_identities (user_id, id) {
        user_id -> Uuid,
        id -> Uuid,
        contact_id -> Uuid,
        kind -> Text,
        provider -> Nullable<Text>,
        value -> Text,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    contact_imports (user_id, id) {
        user_id -> Uuid,
        id -> Uuid,
        status -> Text,
        duplicates -> Text,
        dry_run -> Bool,
        source_csv -> Nullable<Bytea>,
        rows_total -> Int4,
        rows_processed -> Int4,
        report -> Nullable<Jsonb>,
        created_at -> Timestamptz,
        finished_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    contact_tags (user_id, contact_id, tag_id) {
        user_id -> Uuid,
        contact_id -> Uuid,
        tag_id -> Uuid,
        created_at -> Timestamptz,
        created_by -> Uuid,
    }
}

diesel::table! {
    insights_pending (user_id, id) {
        user_id -> Uuid,
        id -> Int8,
        contact_id -> Uuid,
        queued_at -> Timestamptz,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use super::sql_types::Tsvector;

    contacts (user_id, id) {
        user_id -> Uuid,
        id -> Uuid,
        display_name -> Text,
        primary_email -> Nullable<Text>,
        primary_phone -> Nullable<Text>,
        photo_url -> Nullable<Text>,
        source -> Nullable<Text>,
        lifecycle_stage -> Nullable<Text>,
        client_status -> Text,
        referral_source -> Nullable<Text>,
        confidence_score -> Nullable<Float4>,
        date_of_birth -> Nullable<Date>,
        emergency_contact_name -> Nullable<Text>,
        emergency_contact_phone -> Nullable<Text>,
        address -> Nullable<Jsonb>,
        health_context -> Nullable<Jsonb>,
        preferences -> Nullable<Jsonb>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        search_document -> Text,
        search_words -> Array<Nullable<Text>>,
        search_language -> Text,
        search_vector -> Tsvector,
    }
}

diesel::table! {
    daily_pulse_logs (user_id, id) {
        user_id -> Uuid,
        id -> Uuid,
        log_date -> Date,
        details -> Jsonb,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use super::sql_types::Tsvector;

    documents (user_id, id) {
        user_id -> Uuid,
        id -> Uuid,
        owner_contact_id -> Nullable<Uuid>,
        title -> Nullable<Text>,
        text -> Nullable<Text>,
        mime -> Nullable<Text>,
        meta -> Nullable<Jsonb>,
        created_at -> Timestamptz,
        search_language -> Text,
        search_vector -> Tsvector,
    }
}

diesel::table! {
    embeddings (user_id, id) {
        user_id -> Uuid,
        id -> Uuid,
        owner_type -> Text,
        owner_id -> Uuid,
        model -> Text,
        dimensions -> Int4,
        content_hash -> Nullable<Text>,
        chunk_index -> Int4,
        meta -> Nullable<Jsonb>,
        created_at -> Timestamptz,
        vector -> Bytea,
        chunk_start -> Int4,
    }
}

diesel::table! {
    embedding_pending (user_id, owner_type, owner_id) {
        user_id -> Uuid,
        owner_type -> Text,
        owner_id -> Uuid,
        queued_at -> Timestamptz,
    }
}

diesel::table! {
    embedding_state (user_id) {
        user_id -> Uuid,
        version -> Int8,
    }
}

diesel::table! {
    erasure_receipts (id) {
        id -> Uuid,
        subject -> Text,
        requested_at -> Timestamptz,
        completed_at -> Nullable<Timestamptz>,
        rows_removed -> Jsonb,
        files_removed -> Int8,
        steps -> Jsonb,
        job_id -> Nullable<Uuid>,
    }
}

diesel::table! {
    goal_tags (user_id, goal_id, tag_id) {
        user_id -> Uuid,
        goal_id -> Uuid,
        tag_id -> Uuid,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use super::sql_types::Tsvector;

    goals (user_id, id) {
        user_id -> Uuid,
        id -> Uuid,
        contact_id -> Nullable<Uuid>,
        name -> Text,
        goal_type -> Text,
        status -> Text,
        target_date -> Nullable<Date>,
        details -> Jsonb,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        search_language -> Text,
        search_vector -> Tsvector,
    }
}

diesel::table! {
    google_oauth_states (user_id, id) {
        user_id -> Uuid,
        id -> Uuid,
        service -> Text,
        code_verifier -> Text,
        expires_at -> Timestamptz,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    google_sync_cursors (user_id, service) {
        user_id -> Uuid,
        service -> Text,
        cursor -> Nullable<Text>,
        run_id -> Nullable<Uuid>,
        run_mode -> Nullable<Text>,
        run_start_cursor -> Nullable<Text>,
        page_token -> Nullable<Text>,
        breaker_failures -> Int4,
        breaker_open_until -> Nullable<Timestamptz>,
        last_success_at -> Nullable<Timestamptz>,
        last_error_code -> Nullable<Text>,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    google_sync_runs (user_id, id) {
        user_id -> Uuid,
        id -> Uuid,
        service -> Text,
        mode -> Text,
        trigger -> Text,
        job_id -> Nullable<Uuid>,
        status -> Text,
        started_at -> Timestamptz,
        finished_at -> Nullable<Timestamptz>,
        listed -> Int4,
        fetched -> Int4,
        imported -> Int4,
        skipped -> Jsonb,
        failed -> Int4,
        error_code -> Nullable<Text>,
    }
}

diesel::table! {
    habit_completions (user_id, id) {
        user_id -> Uuid,
        id -> Uuid,
        habit_id -> Uuid,
        completed_date -> Date,
        value_completed -> Nullable<Int4>,
        notes -> Nullable<Text>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    habits (user_id, id) {
        user_id -> Uuid,
        id -> Uuid,
        name -> Text,
        description -> Nullable<Text>,
        habit_type -> Text,
        target_value -> Nullable<Int4>,
        target_unit -> Nullable<Text>,
        target_frequency -> Text,
        color -> Nullable<Text>,
        icon_name -> Nullable<Text>,
        is_active -> Bool,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    heavy_request_leases (lease_id) {
        lease_id -> Uuid,
        bucket -> Text,
        expires_at -> Timestamptz,
    }
}

diesel::table! {
    idempotency_keys (user_id, idempotency_key) {
        user_id -> Uuid,
        idempotency_key -> Text,
        fingerprint -> Bytea,
        status -> Nullable<Int2>,
        response_headers -> Nullable<Jsonb>,
        response_body -> Nullable<Bytea>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    ignored_identifiers (user_id, id) {
        user_id -> Uuid,
        id -> Uuid,
        kind -> Text,
        value -> Text,
        reason -> Nullable<Text>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    inbox_items (user_id, id) {
        user_id -> Uuid,
        id -> Uuid,
        raw_text -> Text,
        status -> Text,
        processed_at -> Nullable<Timestamptz>,
        created_task_id -> Nullable<Uuid>,
        details -> Jsonb,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use super::sql_types::Tsvector;

    interactions (user_id, id) {
        user_id -> Uuid,
        id -> Uuid,
        contact_id -> Nullable<Uuid>,
        #[sql_name = "type"]
        type_ -> Text,
        subject -> Nullable<Text>,
        body_text -> Nullable<Text>,
        occurred_at -> Timestamptz,
        source -> Text,
        source_id -> Text,
        source_meta -> Nullable<Jsonb>,
        batch_id -> Nullable<Uuid>,
        created_at -> Timestamptz,
        search_language -> Text,
        search_vector -> Tsvector,
        contact_linked_by -> Text,
    }
}

diesel::table! {
    messages (user_id, id) {
        user_id -> Uuid,
        id -> Uuid,
        thread_id -> Uuid,
        role -> Text,
        content -> Jsonb,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    note_goals (user_id, note_id, goal_id) {
        user_id -> Uuid,
        note_id -> Uuid,
        goal_id -> Uuid,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    note_tags (user_id, note_id, tag_id) {
        user_id -> Uuid,
        note_id -> Uuid,
        tag_id -> Uuid,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use super::sql_types::Tsvector;

    notes (user_id, id) {
        user_id -> Uuid,
        id -> Uuid,
        contact_id -> Uuid,
        content_rich -> Jsonb,
        content_plain -> Text,
        pii_entities -> Jsonb,
        source_type -> Text,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        search_language -> Text,
        search_vector -> Tsvector,
    }
}

diesel::table! {
    onboarding_tokens (user_id, id) {
        user_id -> Uuid,
        id -> Uuid,
        token_hash -> Bytea,
        label -> Nullable<Text>,
        expires_at -> Timestamptz,
        max_uses -> Int4,
        used_count -> Int4,
        created_by -> Uuid,
        disabled -> Bool,
        created_at -> Timestamptz,
        last_accessed_at -> Nullable<Timestamptz>,
        access_count -> Int4,
        form_started_count -> Int4,
        submission_count -> Int4,
    }
}

diesel::table! {
    onboarding_uploads (user_id, id) {
        user_id -> Uuid,
        id -> Uuid,
        token_id -> Uuid,
        object_key -> Text,
        mime_type -> Text,
        file_size -> Int4,
        original_size -> Int4,
        created_at -> Timestamptz,
        visitor -> Nullable<Text>,
    }
}

diesel::table! {
    photo_access_audit (user_id, id) {
        user_id -> Uuid,
        id -> Uuid,
        contact_id -> Uuid,
        photo_path -> Text,
        accessed_at -> Timestamptz,
        ip_address -> Nullable<Text>,
        user_agent -> Nullable<Text>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    projects (user_id, id) {
        user_id -> Uuid,
        id -> Uuid,
        name -> Text,
        status -> Text,
        due_date -> Nullable<Date>,
        details -> Jsonb,
        zone_id -> Nullable<Uuid>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    rate_limit_counters (bucket, window_start) {
        bucket -> Text,
        window_start -> Timestamptz,
        count -> Int4,
        expires_at -> Timestamptz,
    }
}

diesel::table! {
    raw_events (user_id, id) {
        user_id -> Uuid,
        id -> Uuid,
        provider -> Text,
        payload -> Jsonb,
        occurred_at -> Timestamptz,
        source_id -> Text,
        source_meta -> Nullable<Jsonb>,
        batch_id -> Nullable<Uuid>,
        created_at -> Timestamptz,
        processing_status -> Text,
        processing_attempts -> Int4,
        processing_error -> Nullable<Text>,
        processed_at -> Nullable<Timestamptz>,
        contact_extraction_status -> Nullable<Text>,
        extracted_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    retired_tenants (tenant_id) {
        tenant_id -> Uuid,
        receipt_id -> Uuid,
        retired_at -> Timestamptz,
    }
}

diesel::table! {
    tag_templates (id) {
        id -> Uuid,
        name -> Text,
        category -> Text,
        color -> Text,
    }
}

diesel::table! {
    tags (user_id, id) {
        user_id -> Uuid,
        id -> Uuid,
        name -> Text,
        category -> Text,
        color -> Text,
        is_system -> Bool,
        template_id -> Nullable<Uuid>,
        usage_count -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    task_contacts (user_id, task_id, contact_id) {
        user_id -> Uuid,
        task_id -> Uuid,
        contact_id -> Uuid,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    task_tags (user_id, task_id, tag_id) {
        user_id -> Uuid,
        task_id -> Uuid,
        tag_id -> Uuid,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use super::sql_types::Tsvector;

    tasks (user_id, id) {
        user_id -> Uuid,
        id -> Uuid,
        project_id -> Nullable<Uuid>,
        zone_id -> Nullable<Uuid>,
        name -> Text,
        status -> Text,
        priority -> Text,
        due_date -> Nullable<Date>,
        details -> Jsonb,
        completed_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        recurrence -> Nullable<Text>,
        recurrence_next_id -> Nullable<Uuid>,
        rejection_reason -> Nullable<Text>,
        rejected_at -> Nullable<Timestamptz>,
        search_language -> Text,
        search_vector -> Tsvector,
    }
}

diesel::table! {
    tenants (user_id) {
        user_id -> Uuid,
        created_at -> Timestamptz,
        contact_count -> Int8,
    }
}

diesel::table! {
    threads (user_id, id) {
        user_id -> Uuid,
        id -> Uuid,
        title -> Nullable<Text>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    tool_invocations (user_id, id) {
        user_id -> Uuid,
        id -> Uuid,
        message_id -> Uuid,
        tool -> Text,
        args -> Jsonb,
        result -> Nullable<Jsonb>,
        latency_ms -> Nullable<Int4>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    user_export_records (user_id, id) {
        user_id -> Uuid,
        id -> Uuid,
        kind -> Text,
        exported_at -> Timestamptz,
        size_bytes -> Int8,
        session_id -> Nullable<Text>,
    }
}

diesel::table! {
    user_exports (user_id, id) {
        user_id -> Uuid,
        id -> Uuid,
        status -> Text,
        object_key -> Nullable<Text>,
        size_bytes -> Nullable<Int8>,
        created_at -> Timestamptz,
        finished_at -> Nullable<Timestamptz>,
        expires_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    user_integrations (user_id, provider, service) {
        user_id -> Uuid,
        provider -> Text,
        service -> Text,
        access_token -> Text,
        refresh_token -> Nullable<Text>,
        expiry_date -> Nullable<Timestamptz>,
        config -> Jsonb,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    user_profiles (user_id) {
        user_id -> Uuid,
        preferred_name -> Nullable<Text>,
        organization_name -> Nullable<Text>,
        profile_photo_url -> Nullable<Text>,
        bio -> Nullable<Text>,
        phone -> Nullable<Text>,
        website -> Nullable<Text>,
        timezone -> Text,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        locale -> Nullable<Text>,
    }
}

diesel::table! {
    zones (id) {
        id -> Uuid,
        name -> Text,
        color -> Nullable<Text>,
        icon_name -> Nullable<Text>,
    }
}

diesel::joinable!(ai_insights -> tenants (user_id));
diesel::joinable!(ai_quotas -> tenants (user_id));
diesel::joinable!(ai_usage -> tenants (user_id));
diesel::joinable!(client_consents -> tenants (user_id));
diesel::joinable!(client_files -> tenants (user_id));
diesel::joinable!(contact_duplicates -> tenants (user_id));
diesel::joinable!(contact_history -> tenants (user_id));
diesel::joinable!(contact_identities -> tenants (user_id));
diesel::joinable!(contact_imports -> tenants (user_id));
diesel::joinable!(contact_tags -> tenants (user_id));
diesel::joinable!(contacts -> tenants (user_id));
diesel::joinable!(daily_pulse_logs -> tenants (user_id));
diesel::joinable!(documents -> tenants (user_id));
diesel::joinable!(embeddings -> tenants (user_id));
diesel::joinable!(embedding_pending -> tenants (user_id));
diesel::joinable!(embedding_state -> tenants (user_id));
diesel::joinable!(goal_tags -> tenants (user_id));
diesel::joinable!(goals -> tenants (user_id));
diesel::joinable!(google_oauth_states -> tenants (user_id));
diesel::joinable!(google_sync_cursors -> tenants (user_id));
diesel::joinable!(google_sync_runs -> tenants (user_id));
diesel::joinable!(habit_completions -> tenants (user_id));
diesel::joinable!(habits -> tenants (user_id));
diesel::joinable!(idempotency_keys -> tenants (user_id));
diesel::joinable!(ignored_identifiers -> tenants (user_id));
diesel::joinable!(inbox_items -> tenants (user_id));
diesel::joinable!(insights_pending -> tenants (user_id));
diesel::joinable!(interactions -> tenants (user_id));
diesel::joinable!(messages -> tenants (user_id));
diesel::joinable!(note_goals -> tenants (user_id));
diesel::joinable!(note_tags -> tenants (user_id));
diesel::joinable!(notes -> tenants (user_id));
diesel::joinable!(onboarding_tokens -> tenants (user_id));
diesel::joinable!(onboarding_uploads -> tenants (user_id));
diesel::joinable!(photo_access_audit -> tenants (user_id));
diesel::joinable!(projects -> tenants (user_id));
diesel::joinable!(projects -> zones (zone_id));
diesel::joinable!(raw_events -> tenants (user_id));
diesel::joinable!(retired_tenants -> erasure_receipts (receipt_id));
diesel::joinable!(tags -> tag_templates (template_id));
diesel::joinable!(tags -> tenants (user_id));
diesel::joinable!(task_contacts -> tenants (user_id));
diesel::joinable!(task_tags -> tenants (user_id));
diesel::joinable!(tasks -> tenants (user_id));
diesel::joinable!(tasks -> zones (zone_id));
diesel::joinable!(threads -> tenants (user_id));
diesel::joinable!(tool_invocations -> tenants (user_id));
diesel::joinable!(user_export_records -> tenants (user_id));
diesel::joinable!(user_exports -> tenants (user_id));
diesel::joinable!(user_integrations -> tenants (user_id));
diesel::joinable!(user_profiles -> tenants (user_id));

diesel::allow_tables_to_appear_in_same_query!(
    account_tenants,
    ai_insights,
    ai_quotas,
    ai_usage,
    client_consents,
    client_files,
    contact_duplicates,
    contact_history,
    contact_identities,
    contact_imports,
    contact_tags,
    contacts,
    daily_pulse_logs,
    documents,
    embeddings,
    embedding_pending,
    embedding_state,
    erasure_receipts,
    goal_tags,
    goals,
    google_oauth_states,
    google_sync_cursors,
    google_sync_runs,
    habit_completions,
    habits,
    heavy_request_leases,
    idempotency_keys,
    ignored_identifiers,
    inbox_items,
    insights_pending,
    interactions,
    messages,
    note_goals,
    note_tags,
    notes,
    onboarding_tokens,
    onboarding_uploads,
    photo_access_audit,
    projects,
    rate_limit_counters,
    raw_events,
    retired_tenants,
    tag_templates,
    tags,
    task_contacts,
    task_tags,
    tasks,
    tenants,
    threads,
    tool_invocations,
    user_export_records,
    user_exports,
    user_integrations,
    user_profiles,
    zones,
);
