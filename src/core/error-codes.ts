/**
 * Every error code drydock throws, by error class. They are API (HTTP bodies, the CLI, the event log):
 * add codes, never change one. Constructors take only these, and code compares go through the predicates
 * in errors.ts (`isConflict(error, 'session_taken_over')`), so a misspelt code does not compile.
 */

/** Codes of `BadInputError`: the caller asked for something invalid (HTTP 400). */
export type BadInputCode =
  | 'ambiguous_github_app_key'
  | 'ambiguous_github_credentials'
  | 'bad_analytics_range'
  | 'bad_ci_follow_ups'
  | 'bad_github_app_id'
  | 'bad_github_app_key'
  | 'bad_layer_id'
  | 'bad_sandbox_uid'
  | 'bad_secret_key'
  | 'bad_slack_channel'
  | 'bad_snapshot_store'
  | 'base_commit_missing'
  | 'bad_attempts'
  | 'checkpoint_log_gap'
  | 'checkpoint_unreadable'
  | 'dockerfile_fetch_refused'
  | 'empty_change'
  | 'empty_command'
  | 'empty_secret'
  | 'empty_task'
  | 'environment_not_found'
  | 'forge_not_configured'
  | 'host_not_blocked'
  | 'image_needs_bubblewrap'
  | 'image_root_not_found'
  | 'image_shell_missing'
  | 'images_unavailable'
  | 'image_build_failed'
  | 'local_image_refused'
  | 'incomplete_github_app'
  | 'incomplete_slack_config'
  | 'invalid_allow_host'
  | 'invalid_base_url'
  | 'invalid_budget'
  | 'invalid_concurrency'
  | 'invalid_cron'
  | 'invalid_devcontainer'
  | 'invalid_disk_limit'
  | 'invalid_checkpoint_log_change'
  | 'invalid_egress_rule'
  | 'invalid_eval_results'
  | 'eval_not_found'
  | 'forge_review_not_supported'
  | 'review_needs_forge_repo'
  | 'invalid_flag'
  | 'invalid_image'
  | 'invalid_input'
  | 'invalid_json'
  | 'invalid_limit'
  | 'invalid_log_level'
  | 'invalid_max_output'
  | 'invalid_model_prices'
  | 'invalid_reasoning'
  | 'invalid_port'
  | 'invalid_read_only_path'
  | 'invalid_repo_config'
  | 'invalid_role'
  | 'invalid_sandbox_limit'
  | 'invalid_script'
  | 'invalid_secret_name'
  | 'invalid_session_patch'
  | 'invalid_slack_body'
  | 'invalid_task_set'
  | 'invalid_timeout'
  | 'invalid_warm_pool'
  | 'invalid_workspaces'
  | 'is_directory'
  | 'missing_api_key'
  | 'missing_base_url'
  | 'missing_delivery'
  | 'missing_event_id'
  | 'no_secret_store'
  | 'not_a_git_repository'
  | 'not_directory'
  | 'nothing_to_pull'
  | 'patch_does_not_apply'
  | 'path_outside_workspace'
  | 'permission_denied'
  | 'ref_not_supported'
  | 'mode_not_supported'
  | 'repo_not_found'
  | 'repo_not_registered'
  | 'repo_not_top_level'
  | 'repo_path_dot_dot'
  | 'repo_path_forbidden'
  | 'repo_path_not_absolute'
  | 'script_models_disabled'
  | 'script_path_not_allowed'
  | 'secret_not_found'
  | 'secret_not_set'
  | 'services_tree_missing'
  | 'setup_failed'
  | 'shared_queue_required'
  | 'start_failed'
  | 'task_too_long'
  | 'unknown_database_url'
  | 'unknown_model'
  | 'unknown_ref'
  | 'unknown_role'
  | 'unknown_sandbox'
  | 'unknown_script'
  | 'unreadable_github_app_key'
  | 'unserializable_json'
  | 'workspace_not_found';

/** Codes of `UnauthenticatedError` (HTTP 401). */
export type UnauthenticatedCode =
  | 'bad_signature'
  | 'invalid_authorization'
  | 'missing_signature'
  | 'missing_timestamp'
  | 'missing_token'
  | 'stale_timestamp'
  | 'unknown_token';

/** Codes of `ForbiddenError` (HTTP 403). */
export type ForbiddenCode = 'not_session_owner' | 'not_trigger_owner' | 'role_too_low';

/** Codes of `NotFoundError` (HTTP 404). */
export type NotFoundCode =
  | 'artifact_not_found'
  | 'commits_missing'
  | 'commit_not_in_session'
  | 'cwd_not_found'
  | 'eval_run_not_found'
  | 'file_not_found'
  | 'hook_not_found'
  | 'layer_not_in_snapshot_store'
  | 'registered_repo_not_found'
  | 'route_not_found'
  | 'schedule_not_found'
  | 'session_not_found'
  | 'slack_channel_not_found'
  | 'trigger_not_found';

/** Codes of `ConflictError` (HTTP 409). */
export type ConflictCode =
  | 'branch_exists'
  | 'attempt_not_steerable'
  | 'eval_run_exists'
  | 'lease_lost'
  | 'link_taken'
  | 'nested_repository'
  | 'not_a_forge_session'
  | 'not_delivered'
  | 'repo_already_registered'
  | 'session_ended'
  | 'session_exists'
  | 'session_not_ended'
  | 'session_not_queued'
  | 'session_taken_over'
  | 'token_exists'
  | 'trigger_exists';

/** Codes of `TooLargeError` (HTTP 413). */
export type TooLargeCode = 'body_too_large';

/** Codes of `UnavailableError`: a dependency is missing or not working (HTTP 503). */
export type UnavailableCode =
  | 'bash_missing'
  | 'bubblewrap_missing'
  | 'bubblewrap_unusable'
  | 'checks_unlisted'
  | 'embedded_postgres_failed'
  | 'git_missing'
  | 'gitea_webhooks_disabled'
  | 'github_webhooks_disabled'
  | 'gitlab_webhooks_disabled'
  | 'image_pull_failed'
  | 'image_tool_missing'
  | 'no_stream'
  | 'node_runtime_unresolved'
  | 'postgres_user_missing'
  | 'pull_request_not_opened'
  | 'sandbox_destroyed'
  | 'sandbox_died'
  | 'sandbox_limits_failed'
  | 'sandbox_restored'
  | 'sandbox_start_failed'
  | 'sandbox_tools_missing'
  | 'sandbox_unsafe'
  | 'sandbox_userns_failed'
  | 'sandbox_wall_time'
  | 'server_unreachable'
  | 'slack_disabled'
  | 'slack_unavailable'
  | 'snapshot_store_unavailable'
  | 'store_busy'
  | 'store_unreachable'
  | 'workspace_disk_full';

/** Codes of `InternalError` (HTTP 500). */
export type InternalCode =
  | 'bad_sealed_secret'
  | 'branch_exists'
  | 'delivery_mismatch'
  | 'eval_row_unreadable'
  | 'image_stack_mismatch'
  | 'image_unpack_failed'
  | 'invalid_transition'
  | 'io_error'
  | 'layer_corrupt'
  | 'layer_fetch_failed'
  | 'sandbox_protocol_error'
  | 'review_change_unusable'
  | 'secret_key_mismatch'
  | 'store_migration_failed'
  | 'supervisor_error'
  | 'unknown_repo_kind'
  | 'unknown_session_state'
  | 'unknown_session_kind'
  | 'unknown_token_role'
  | 'unknown_trigger_kind';

/** Codes of `ForgeError`, a bad-input or unavailable error depending on whether it is transient. */
export type ForgeErrorCode =
  | 'forge_failed'
  | 'forge_no_access'
  | 'invalid_repo'
  | 'no_check_runs'
  | 'pull_request_not_found'
  | 'push_failed';

export type ErrorCode =
  | BadInputCode
  | UnauthenticatedCode
  | ForbiddenCode
  | NotFoundCode
  | ConflictCode
  | TooLargeCode
  | UnavailableCode
  | InternalCode
  | ForgeErrorCode;
