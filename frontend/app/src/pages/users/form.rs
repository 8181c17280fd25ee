//! `/users/new` and `/users/:id`: the person's record, and for an existing one a password
//! reset and their team. Each part loads and saves on its own.

use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_params_map};
use shared::org::{Dealer, JobProfile, Province};
use shared::users::{Role, SetPasswordRequest, User, UserInput};
use shared::{FieldErrors, Page};

use crate::api::Method;
use crate::components::form::{
    CheckboxField, Feedback, FormStatus, SelectField, TextField, field_errors, live_check, parse_date, parse_id,
    person_problems, request,
};
use crate::i18n::{Msg, role_name, use_i18n};
use crate::session::{Session, use_session};

/// What the form's inputs hold, as typed.
#[derive(Clone, Copy)]
struct Draft {
    username: RwSignal<String>,
    email: RwSignal<String>,
    password: RwSignal<String>,
    first_name: RwSignal<String>,
    last_name: RwSignal<String>,
    role: RwSignal<String>,
    dealer_id: RwSignal<String>,
    province_id: RwSignal<String>,
    job_profile_id: RwSignal<String>,
    boss_id: RwSignal<String>,
    mobile: RwSignal<String>,
    birth_date: RwSignal<String>,
    joining_date: RwSignal<String>,
    leaving_date: RwSignal<String>,
    is_active: RwSignal<bool>,
    chat_enabled: RwSignal<bool>,
}

fn id_text(value: Option<i64>) -> String {
    value.map(|v| v.to_string()).unwrap_or_default()
}

fn date_text(value: Option<chrono::NaiveDate>) -> String {
    value.map(|d| d.format("%Y-%m-%d").to_string()).unwrap_or_default()
}

impl Draft {
    fn new() -> Self {
        let text = || RwSignal::new(String::new());
        Draft {
            username: text(),
            email: text(),
            password: text(),
            first_name: text(),
            last_name: text(),
            role: RwSignal::new(Role::Sales.as_str().to_owned()),
            dealer_id: text(),
            province_id: text(),
            job_profile_id: text(),
            boss_id: text(),
            mobile: text(),
            birth_date: text(),
            joining_date: text(),
            leaving_date: text(),
            is_active: RwSignal::new(true),
            chat_enabled: RwSignal::new(true),
        }
    }

    fn fill(&self, user: User) {
        self.username.set(user.username);
        self.email.set(user.email);
        self.first_name.set(user.first_name);
        self.last_name.set(user.last_name);
        self.role.set(user.role.as_str().to_owned());
        self.dealer_id.set(id_text(user.dealer_id));
        self.province_id.set(id_text(user.province_id));
        self.job_profile_id.set(id_text(user.job_profile_id));
        self.boss_id.set(id_text(user.boss_id));
        self.mobile.set(user.mobile);
        self.birth_date.set(date_text(user.birth_date));
        self.joining_date.set(date_text(user.joining_date));
        self.leaving_date.set(date_text(user.leaving_date));
        self.is_active.set(user.is_active);
        self.chat_enabled.set(user.chat_enabled);
    }

    /// The backend's rules, in the browser (a password only when creating).
    fn problems(&self, creating: bool) -> FieldErrors {
        use shared::validation::{check_email, check_password, check_username};
        let mut problems = Vec::new();
        problems.extend(check_username(&self.username.get()).map(|p| ("username", p)));
        problems.extend(check_email(&self.email.get()).map(|p| ("email", p)));
        if creating {
            let password = check_password(&self.password.get(), &self.username.get());
            problems.extend(password.into_iter().map(|p| ("password", p)));
        }
        problems.extend(person_problems(
            [("first_name", self.first_name.get()), ("last_name", self.last_name.get())],
            &self.mobile.get(),
            [
                ("birth_date", self.birth_date.get()),
                ("joining_date", self.joining_date.get()),
                ("leaving_date", self.leaving_date.get()),
            ],
        ));
        field_errors(problems)
    }

    fn input(&self, creating: bool) -> UserInput {
        let text = |s: RwSignal<String>| Some(s.get_untracked());
        let id = |s: RwSignal<String>| Some(parse_id(&s.get_untracked()));
        let date = |s: RwSignal<String>| Some(parse_date(&s.get_untracked()));
        UserInput {
            username: text(self.username),
            email: text(self.email),
            password: creating.then(|| self.password.get_untracked()),
            first_name: text(self.first_name),
            last_name: text(self.last_name),
            role: self.role.get_untracked().parse().ok(),
            is_active: Some(self.is_active.get_untracked()),
            chat_enabled: Some(self.chat_enabled.get_untracked()),
            mobile: text(self.mobile),
            job_profile_id: id(self.job_profile_id),
            boss_id: id(self.boss_id),
            dealer_id: id(self.dealer_id),
            province_id: id(self.province_id),
            birth_date: date(self.birth_date),
            joining_date: date(self.joining_date),
            leaving_date: date(self.leaving_date),
        }
    }
}

/// The options of the form's reference selects, as (value, label).
#[derive(Clone, Default)]
struct Choices {
    dealers: Vec<(String, String)>,
    provinces: Vec<(String, String)>,
    job_profiles: Vec<(String, String)>,
    bosses: Vec<(String, String)>,
}

async fn load_choices(session: Session) -> Choices {
    let dealers = session.get::<Page<Dealer>>("/dealers").await.map(|p| p.items).unwrap_or_default();
    let provinces = session.get::<Page<Province>>("/provinces").await.map(|p| p.items).unwrap_or_default();
    let job_profiles = session.get::<Page<JobProfile>>("/profiles").await.map(|p| p.items).unwrap_or_default();
    let bosses =
        session.get::<Page<User>>("/users?page_size=100&active=true").await.map(|p| p.items).unwrap_or_default();
    Choices {
        dealers: dealers.into_iter().map(|d| (d.id.to_string(), d.name)).collect(),
        provinces: provinces.into_iter().map(|p| (p.id.to_string(), p.name)).collect(),
        job_profiles: job_profiles
            .into_iter()
            .map(|p| (p.id.to_string(), format!("{} · {}", p.code, p.name)))
            .collect(),
        bosses: bosses.into_iter().map(|u| (u.id.to_string(), u.display_name())).collect(),
    }
}

/// `/users/new` and `/users/:id`. Following a team member's link changes only the `:id`, so
/// the form is built again for each person.
#[component]
pub fn UserFormPage() -> impl IntoView {
    let params = use_params_map();
    move || {
        let id = params.with(|p| p.get("id")).and_then(|id| id.parse::<i64>().ok());
        view! { <UserForm id /> }
    }
}

#[component]
fn UserForm(id: Option<i64>) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let navigate = use_navigate();
    let creating = id.is_none();
    let draft = Draft::new();
    let feedback = Feedback::new();

    let choices = LocalResource::new(move || load_choices(session));
    let options = move |pick: fn(&Choices) -> Vec<(String, String)>| {
        Signal::derive(move || choices.get().as_ref().map(pick).unwrap_or_default())
    };
    // The record fills the form once; a failure shows where a failed save would.
    if let Some(id) = id {
        let load = move |_: &()| async move { session.get::<User>(&format!("/users/{id}")).await };
        request(feedback, load, move |user| draft.fill(user)).dispatch(());
    }

    let validate = live_check(feedback.errors, move || draft.problems(creating));
    let back_to_list = {
        let navigate = navigate.clone();
        move || navigate("/users", Default::default())
    };
    let save = request(
        feedback,
        move |body: &UserInput| {
            let body = body.clone();
            async move {
                match id {
                    None => session.api::<_, User>(Method::Post, "/users", Some(&body)).await,
                    Some(id) => session.api::<_, User>(Method::Patch, &format!("/users/{id}"), Some(&body)).await,
                }
            }
        },
        {
            let back_to_list = back_to_list.clone();
            move |_| back_to_list()
        },
    );
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if !validate() {
            feedback.status.set(Some(Err(Msg::CheckFields)));
            return;
        }
        feedback.status.set(None);
        save.dispatch(draft.input(creating));
    };
    let deactivation = request(
        feedback,
        move |id: &i64| {
            let path = format!("/users/{id}");
            async move { session.api_empty::<()>(Method::Delete, &path, None).await }
        },
        {
            let back_to_list = back_to_list.clone();
            move |()| back_to_list()
        },
    );
    let deactivate = move |_| {
        if let Some(id) = id
            && window().confirm_with_message(i18n.t(Msg::ConfirmDeactivate)).unwrap_or(false)
        {
            deactivation.dispatch(id);
        }
    };
    let roles = Signal::derive(move || {
        Role::ALL.iter().map(|r| (r.as_str().to_owned(), i18n.t(role_name(*r)).to_owned())).collect::<Vec<_>>()
    });
    let errors = feedback.errors;
    let busy = move || save.pending().get() || deactivation.pending().get();

    view! {
        <section class="page">
            <div class="page-header">
                <h1>{move || i18n.t(if creating { Msg::NewUser } else { Msg::EditUser })}</h1>
                <button class="button secondary" on:click=move |_| back_to_list()>
                    {move || i18n.t(Msg::Cancel)}
                </button>
            </div>
            <form class="card form grid" id="user-form" on:submit=submit novalidate=true>
                <TextField id="username" label=Msg::Username value=draft.username errors />
                <TextField id="email" label=Msg::Email value=draft.email errors kind="email" />
                <Show when=move || creating>
                    <TextField id="password" label=Msg::Password value=draft.password errors kind="password"
                        autocomplete="new-password" />
                </Show>
                <TextField id="first_name" label=Msg::FirstName value=draft.first_name errors />
                <TextField id="last_name" label=Msg::LastName value=draft.last_name errors />
                <SelectField id="role" label=Msg::Role value=draft.role errors options=roles />
                <SelectField id="dealer_id" label=Msg::Dealer value=draft.dealer_id errors
                    options=options(|c| c.dealers.clone()) empty=Msg::None />
                <SelectField id="province_id" label=Msg::Province value=draft.province_id errors
                    options=options(|c| c.provinces.clone()) empty=Msg::None />
                <SelectField id="job_profile_id" label=Msg::JobProfile value=draft.job_profile_id errors
                    options=options(|c| c.job_profiles.clone()) empty=Msg::None />
                <SelectField id="boss_id" label=Msg::Boss value=draft.boss_id errors
                    options=options(|c| c.bosses.clone()) empty=Msg::None />
                <TextField id="mobile" label=Msg::Mobile value=draft.mobile errors kind="tel" />
                <TextField id="birth_date" label=Msg::BirthDate value=draft.birth_date errors kind="date" />
                <TextField id="joining_date" label=Msg::JoiningDate value=draft.joining_date errors kind="date" />
                <TextField id="leaving_date" label=Msg::LeavingDate value=draft.leaving_date errors kind="date" />
                <CheckboxField id="is_active" label=Msg::Active checked=draft.is_active />
                <CheckboxField id="chat_enabled" label=Msg::ChatEnabled checked=draft.chat_enabled />
                <div class="form-actions">
                    <FormStatus status=feedback.status />
                    <button class="button primary" type="submit" disabled=busy>
                        {move || i18n.t(if creating { Msg::Create } else { Msg::Save })}
                    </button>
                    <Show when=move || !creating>
                        <button class="button danger" type="button" id="deactivate" disabled=busy on:click=deactivate>
                            {move || i18n.t(Msg::Deactivate)}
                        </button>
                    </Show>
                </div>
            </form>
            {id.map(|id| view! {
                <div class="cards">
                    <PasswordReset id username=draft.username />
                    <Team id />
                </div>
            })}
        </section>
    }
}

/// An administrator sets a new password for someone (checked by the shared rules first).
#[component]
fn PasswordReset(id: i64, username: RwSignal<String>) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let new_password = RwSignal::new(String::new());
    let feedback = Feedback::new();
    let validate = live_check(feedback.errors, move || {
        let problems = shared::validation::check_password(&new_password.get(), &username.get());
        field_errors(problems.into_iter().map(|p| ("new_password", p)))
    });
    let reset = request(
        feedback,
        move |body: &SetPasswordRequest| {
            let body = body.clone();
            async move { session.api_empty(Method::Post, &format!("/users/{id}/password"), Some(&body)).await }
        },
        move |()| {
            new_password.set(String::new());
            feedback.errors.set(FieldErrors::new());
            feedback.status.set(Some(Ok(Msg::PasswordReset)));
        },
    );
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if !validate() {
            feedback.status.set(Some(Err(Msg::CheckFields)));
            return;
        }
        reset.dispatch(SetPasswordRequest { new_password: new_password.get_untracked() });
    };
    view! {
        <form class="card form" id="reset-password-form" on:submit=submit novalidate=true>
            <h2>{move || i18n.t(Msg::ResetPassword)}</h2>
            <TextField id="new_password" label=Msg::NewPassword value=new_password errors=feedback.errors
                kind="password" autocomplete="new-password" />
            <FormStatus status=feedback.status />
            <button class="button secondary" type="submit" disabled=move || reset.pending().get()>
                {move || i18n.t(Msg::ResetPassword)}
            </button>
        </form>
    }
}

/// Everyone under this person, at any depth.
#[component]
fn Team(id: i64) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let path = format!("/users/{id}/subordinates?recursive=true");
    let team = LocalResource::new(move || {
        let path = path.clone();
        async move { session.get::<Vec<User>>(&path).await }
    });
    view! {
        <section class="card team">
            <h2>{move || i18n.t(Msg::Team)}</h2>
            {move || match team.get() {
                None => None,
                Some(Err(failure)) => Some(view! { <p class="form-error">{move || i18n.t(failure.message())}</p> }.into_any()),
                Some(Ok(members)) if members.is_empty() => {
                    Some(view! { <p class="muted">{move || i18n.t(Msg::NoTeam)}</p> }.into_any())
                }
                Some(Ok(members)) => Some(
                    view! {
                        <ul>
                            {members
                                .into_iter()
                                .map(|m| view! { <li><a href=format!("/users/{}", m.id)>{m.display_name()}</a></li> })
                                .collect_view()}
                        </ul>
                    }
                    .into_any(),
                ),
            }}
        </section>
    }
}
