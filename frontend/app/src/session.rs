//! Who is logged in. The access token lives only in memory; the refresh token is an
//! HttpOnly cookie the script never sees. On start-up (and so after a reload) the app asks
//! for a fresh access token with that cookie, and it refreshes again shortly before expiry.
//!
//! The script cannot tell whether that cookie exists, so localStorage remembers that this
//! browser holds a session ([`MARKER_KEY`]: set when a login or refresh succeeds, removed on
//! logout or when a refresh fails). Start-up asks the server only when it is set: a browser
//! that is logged out makes no doomed refresh call. A stale marker (the cookie expired or was
//! cleared) costs one refused call, which removes it.

use gloo_net::http::Response;
use gloo_timers::future::sleep;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::auth::{LoginRequest, RefreshRequest, TokenResponse};
use shared::users::User;
use std::time::Duration;
use web_sys::AbortSignal;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::api::{self, ApiFailure, Method, RawBody};
use crate::i18n::{Msg, local_storage};

#[derive(Debug, Clone, PartialEq)]
pub enum AuthState {
    /// Start-up: asking the server whether the refresh cookie is still good.
    Checking,
    /// Not logged in; `notice` explains why, if there is something to explain.
    Anonymous {
        notice: Option<Msg>,
    },
    LoggedIn {
        user: User,
        access_token: String,
    },
}

#[derive(Clone, Copy)]
pub struct Session {
    state: RwSignal<AuthState>,
    /// Bumped on every login/refresh/logout so a stale refresh timer does nothing.
    generation: RwSignal<u64>,
}

/// Refresh this long before the access token expires.
const REFRESH_MARGIN_SECONDS: i64 = 60;

/// localStorage key present while this browser may hold a refresh cookie.
const MARKER_KEY: &str = "dealaai.session";

fn may_have_session() -> bool {
    // Without storage we cannot know: ask the server.
    local_storage().is_none_or(|storage| storage.get_item(MARKER_KEY).ok().flatten().is_some())
}

fn remember_session(present: bool) {
    if let Some(storage) = local_storage() {
        let _ = if present { storage.set_item(MARKER_KEY, "1") } else { storage.remove_item(MARKER_KEY) };
    }
}

impl Session {
    pub fn provide() -> Self {
        let session = Session { state: RwSignal::new(AuthState::Checking), generation: RwSignal::new(0) };
        provide_context(session);
        spawn_local(async move {
            api::load_config().await;
            session.check().await;
        });
        // Back/forward may restore this page from the browser's cache as it was, logged-in
        // pages included, maybe after a logout: forget what it shows and check again.
        let _ = window_event_listener(leptos::ev::pageshow, move |event| {
            if event.persisted() {
                session.generation.update(|g| *g += 1);
                session.state.set(AuthState::Checking);
                spawn_local(session.check());
            }
        });
        session
    }

    /// Whether the refresh cookie is still good, asked once: only a rotation race between
    /// tabs calls for a retry, and there is no session to race for yet.
    async fn check(self) {
        if !(may_have_session() && self.refresh_once().await) {
            self.set_anonymous(None);
        }
    }

    pub fn state(self) -> AuthState {
        self.state.get()
    }

    pub fn user(self) -> Option<User> {
        match self.state.get() {
            AuthState::LoggedIn { user, .. } => Some(user),
            _ => None,
        }
    }

    pub async fn login(self, username: String, password: String) -> Result<(), ApiFailure> {
        let tokens: TokenResponse = api::post("/auth/login", &LoginRequest { username, password }, None).await?;
        self.accept(tokens);
        Ok(())
    }

    /// Trades the refresh cookie for a new access token. False if the session is over.
    /// If another tab refreshed a moment ago, the cookie we sent was already rotated; the
    /// browser now holds the new one, so one retry after a short pause succeeds.
    pub async fn refresh(self) -> bool {
        if self.refresh_once().await {
            return true;
        }
        sleep(Duration::from_millis(400)).await;
        self.refresh_once().await
    }

    async fn refresh_once(self) -> bool {
        match api::post::<_, TokenResponse>("/auth/refresh", &RefreshRequest::default(), None).await {
            Ok(tokens) => {
                self.accept(tokens);
                true
            }
            Err(_) => false,
        }
    }

    pub fn token(self) -> Option<String> {
        match self.state.get_untracked() {
            AuthState::LoggedIn { access_token, .. } => Some(access_token),
            _ => None,
        }
    }

    /// Shows a changed profile without waiting for the next refresh.
    pub fn set_user(self, user: User) {
        self.state.update(|state| {
            if let AuthState::LoggedIn { user: current, .. } = state {
                *current = user;
            }
        });
    }

    /// An authenticated API call. An expired access token is refreshed once and the call
    /// repeated; if the session is over, the app returns to the login page with a message.
    pub async fn api<B: Serialize, R: DeserializeOwned>(
        self,
        method: Method,
        path: &str,
        body: Option<&B>,
    ) -> Result<R, ApiFailure> {
        api::decode(&self.api_text(method, path, api::json(body)?).await?)
    }

    /// [`Session::api`] before decoding: not generic, so the bundle holds this logic once.
    async fn api_text(self, method: Method, path: &str, body: Option<String>) -> Result<String, ApiFailure> {
        match api::send_text(method, path, body.clone(), self.token().as_deref()).await {
            Err(failure) if failure.is_unauthorized() => {
                self.recover(failure).await?;
                api::send_text(method, path, body, self.token().as_deref()).await
            }
            other => other,
        }
    }

    /// Like [`Session::api`] for answers without a body.
    pub async fn api_empty<B: Serialize>(self, method: Method, path: &str, body: Option<&B>) -> Result<(), ApiFailure> {
        self.api_empty_text(method, path, api::json(body)?).await
    }

    async fn api_empty_text(self, method: Method, path: &str, body: Option<String>) -> Result<(), ApiFailure> {
        match api::send_empty_text(method, path, body.clone(), self.token().as_deref()).await {
            Err(failure) if failure.is_unauthorized() => {
                self.recover(failure).await?;
                api::send_empty_text(method, path, body, self.token().as_deref()).await
            }
            other => other,
        }
    }

    /// Like [`Session::api`] for answers the caller reads itself (downloads, uploads): the
    /// response whatever its status, after one refresh if the access token had expired.
    pub async fn fetch(self, method: Method, path: &str, body: Option<RawBody>) -> Result<Response, ApiFailure> {
        self.fetch_with(method, path, body, None).await
    }

    /// Like [`Session::fetch`] for a POST answered with an event stream, abortable through
    /// `signal` (a streamed answer's stop button, an import's cancel button).
    pub async fn fetch_events(
        self,
        path: &str,
        body: Option<RawBody>,
        signal: &AbortSignal,
    ) -> Result<Response, ApiFailure> {
        self.fetch_with(Method::Post, path, body, Some(signal)).await
    }

    async fn fetch_with(
        self,
        method: Method,
        path: &str,
        body: Option<RawBody>,
        events: Option<&AbortSignal>,
    ) -> Result<Response, ApiFailure> {
        let response = api::fetch(method, path, body.clone(), self.token().as_deref(), events).await?;
        if response.status() != 401 {
            return Ok(response);
        }
        self.recover(api::failure(response).await).await?;
        api::fetch(method, path, body, self.token().as_deref(), events).await
    }

    pub async fn get<R: DeserializeOwned>(self, path: &str) -> Result<R, ApiFailure> {
        self.api::<(), R>(Method::Get, path, None).await
    }

    async fn recover(self, failure: ApiFailure) -> Result<(), ApiFailure> {
        if self.refresh().await {
            Ok(())
        } else {
            self.set_anonymous(Some(Msg::SessionExpired));
            Err(failure)
        }
    }

    pub async fn logout(self) {
        let token = match self.state.get_untracked() {
            AuthState::LoggedIn { access_token, .. } => Some(access_token),
            _ => None,
        };
        // Even if the server is unreachable, forget the session locally.
        let _ = api::post_empty("/auth/logout", token.as_deref()).await;
        self.set_anonymous(Some(Msg::LoggedOut));
    }

    fn set_anonymous(self, notice: Option<Msg>) {
        remember_session(false);
        self.generation.update(|g| *g += 1);
        self.state.set(AuthState::Anonymous { notice });
    }

    fn accept(self, tokens: TokenResponse) {
        remember_session(true);
        self.generation.update(|g| *g += 1);
        let generation = self.generation.get_untracked();
        self.state.set(AuthState::LoggedIn { user: tokens.user, access_token: tokens.access_token });
        let wait = (tokens.expires_in - REFRESH_MARGIN_SECONDS).max(5) as u64;
        spawn_local(async move {
            sleep(Duration::from_secs(wait)).await;
            if self.generation.get_untracked() == generation && !self.refresh().await {
                self.set_anonymous(Some(Msg::SessionExpired));
            }
        });
    }
}

pub fn use_session() -> Session {
    expect_context::<Session>()
}
