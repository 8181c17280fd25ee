//! The conversation list: open one, start a new one, rename or delete (after confirming).

use leptos::html;
use leptos::prelude::*;
use shared::assistant::{Conversation, MAX_TITLE_CHARS, RenameConversation};

use super::conversation_path;
use crate::api::{ApiFailure, Method};
use crate::components::form::{Feedback, request};
use crate::format;
use crate::i18n::{Msg, use_i18n};
use crate::session::use_session;

/// The user's conversations, newest first; refetched after every change.
pub type Conversations = LocalResource<Result<Vec<Conversation>, ApiFailure>>;

#[component]
pub fn ConversationList(
    conversations: Conversations,
    current: Memo<Option<i64>>,
    on_new: Callback<()>,
    on_deleted: Callback<i64>,
) -> impl IntoView {
    let i18n = use_i18n();
    // While a refetch runs, the list as it was stays.
    let items = move || {
        conversations.get().map(|listing| match listing {
            Err(failure) => {
                let msg = failure.message();
                view! { <p class="form-error" role="alert">{move || i18n.t(msg)}</p> }.into_any()
            }
            Ok(list) if list.is_empty() => {
                view! { <p class="muted no-conversations">{move || i18n.t(Msg::NoConversations)}</p> }.into_any()
            }
            Ok(list) => {
                let items = list
                    .into_iter()
                    .map(|conversation| view! { <ConversationItem conversation conversations current on_deleted /> })
                    .collect_view();
                view! { <ul class="conversation-list">{items}</ul> }.into_any()
            }
        })
    };
    view! {
        <aside class="conversation-panel card" aria-label=move || i18n.t(Msg::Conversations)>
            <div class="panel-header">
                <h2>{move || i18n.t(Msg::Conversations)}</h2>
                <button type="button" class="button primary small" id="new-conversation" on:click=move |_| on_new.run(())>
                    {move || i18n.t(Msg::NewConversation)}
                </button>
            </div>
            {move || items().unwrap_or_else(|| view! { <p class="muted">{move || i18n.t(Msg::Loading)}</p> }.into_any())}
        </aside>
    }
}

/// Showing, renaming (an inline field) or confirming its deletion.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Show,
    Rename,
    ConfirmDelete,
}

#[component]
fn ConversationItem(
    conversation: Conversation,
    conversations: Conversations,
    current: Memo<Option<i64>>,
    on_deleted: Callback<i64>,
) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let id = conversation.id;
    let mode = RwSignal::new(Mode::Show);
    let title = RwSignal::new(conversation.title.clone());
    let feedback = Feedback::new();
    let error = move || feedback.status.get().and_then(Result::err);
    let shown_title = conversation.title.clone();
    let title_input = NodeRef::<html::Input>::new();
    // The title field opens ready to type over.
    Effect::new(move |_| {
        if let Some(input) = title_input.get() {
            let _ = input.focus();
            input.select();
        }
    });
    let updated_at = conversation.updated_at;

    let renaming = request(
        feedback,
        move |title: &String| {
            let body = RenameConversation { title: title.clone() };
            async move { session.api::<_, Conversation>(Method::Patch, &conversation_path(id), Some(&body)).await }
        },
        move |_| {
            mode.set(Mode::Show);
            conversations.refetch();
        },
    );
    let rename = move || {
        let new_title = title.get_untracked().trim().to_owned();
        if new_title.is_empty() {
            feedback.status.set(Some(Err(Msg::ProblemRequired)));
            return;
        }
        renaming.dispatch(new_title);
    };
    let deleting = request(
        feedback,
        move |_: &()| async move {
            let deleted = session.api_empty::<()>(Method::Delete, &conversation_path(id), None).await;
            // Refused: back to showing the conversation, with why.
            if deleted.is_err() {
                mode.set(Mode::Show);
            }
            deleted
        },
        move |()| on_deleted.run(id),
    );
    let delete = move |_| deleting.dispatch(());
    let on_key = move |ev: leptos::ev::KeyboardEvent| match ev.key().as_str() {
        "Enter" => {
            ev.prevent_default();
            rename();
        }
        "Escape" => mode.set(Mode::Show),
        _ => {}
    };

    view! {
        <li class="conversation" class:active=move || current.get() == Some(id) data-id=id>
            {move || match mode.get() {
                Mode::Show => {
                    let shown_title = shown_title.clone();
                    view! {
                        <a href=conversation_path_in_app(id) aria-current=move || (current.get() == Some(id)).then_some("page")>
                            <span class="conversation-title">
                                {if shown_title.trim().is_empty() {
                                    i18n.t(Msg::UntitledConversation).to_owned()
                                } else {
                                    shown_title
                                }}
                            </span>
                            <span class="conversation-date">{move || format::date_time(updated_at, i18n.lang())}</span>
                        </a>
                        <span class="conversation-actions">
                            <button type="button" class="link rename-conversation" title=move || i18n.t(Msg::Rename)
                                on:click=move |_| {
                                    feedback.clear();
                                    mode.set(Mode::Rename);
                                }>
                                {move || i18n.t(Msg::Rename)}
                            </button>
                            <button type="button" class="link danger delete-conversation" title=move || i18n.t(Msg::Delete)
                                on:click=move |_| {
                                    feedback.clear();
                                    mode.set(Mode::ConfirmDelete);
                                }>
                                {move || i18n.t(Msg::Delete)}
                            </button>
                        </span>
                    }
                    .into_any()
                }
                Mode::Rename => view! {
                    <form class="rename-form" on:submit=move |ev: leptos::ev::SubmitEvent| {
                        ev.prevent_default();
                        rename();
                    }>
                        <label class="visually-hidden" for=format!("title-{id}")>{move || i18n.t(Msg::ConversationTitle)}</label>
                        <input id=format!("title-{id}") name="title" class="conversation-title-input" autocomplete="off"
                            maxlength=MAX_TITLE_CHARS bind:value=title on:keydown=on_key node_ref=title_input />
                        <button type="submit" class="button primary small save-title">{move || i18n.t(Msg::Save)}</button>
                        <button type="button" class="button secondary small" on:click=move |_| mode.set(Mode::Show)>
                            {move || i18n.t(Msg::Cancel)}
                        </button>
                    </form>
                }
                .into_any(),
                Mode::ConfirmDelete => view! {
                    <div class="confirm-delete" role="alert">
                        <p>{move || i18n.t(Msg::ConfirmDeleteConversation)}</p>
                        <button type="button" class="button danger small confirm-delete-conversation" on:click=delete>
                            {move || i18n.t(Msg::ConfirmDeleteYes)}
                        </button>
                        <button type="button" class="button secondary small" on:click=move |_| mode.set(Mode::Show)>
                            {move || i18n.t(Msg::Cancel)}
                        </button>
                    </div>
                }
                .into_any(),
            }}
            {move || error().map(|msg| view! { <p class="field-error" role="alert">{move || i18n.t(msg)}</p> })}
        </li>
    }
}

/// The SPA route of a conversation.
fn conversation_path_in_app(id: i64) -> String {
    format!("/assistant/{id}")
}
