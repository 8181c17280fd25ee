//! Every UI string goes through here. Spanish is the default, English is available; the
//! choice is remembered in localStorage. A missing translation is a compile error, because
//! each message is one enum variant with both texts side by side.

use leptos::prelude::*;
use shared::ErrorCode;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Es,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Es => "es",
            Lang::En => "en",
        }
    }

    fn from_code(code: &str) -> Option<Lang> {
        match code {
            "es" => Some(Lang::Es),
            "en" => Some(Lang::En),
            _ => None,
        }
    }
}

macro_rules! messages {
    ($($name:ident => $es:literal, $en:literal;)*) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Msg { $($name),* }

        impl Msg {
            pub fn text(self, lang: Lang) -> &'static str {
                match (self, lang) {
                    $((Msg::$name, Lang::Es) => $es, (Msg::$name, Lang::En) => $en,)*
                }
            }
        }
    };
}

messages! {
    AppName => "DealaAI", "DealaAI";
    Tagline => "Gestión de stock para concesionarios", "Stock management for dealerships";
    SignIn => "Iniciar sesión", "Sign in";
    SigningIn => "Entrando…", "Signing in…";
    Username => "Usuario", "Username";
    Password => "Contraseña", "Password";
    FieldRequired => "Este campo es obligatorio", "This field is required";
    InvalidCredentials => "Usuario o contraseña incorrectos.", "Wrong username or password.";
    TooManyAttempts => "Demasiados intentos. Espera unos minutos y vuelve a intentarlo.", "Too many attempts. Wait a few minutes and try again.";
    ServerUnreachable => "No se puede conectar con el servidor. Inténtalo de nuevo.", "Cannot reach the server. Please try again.";
    ServiceUnavailable => "El servicio no está disponible en este momento.", "The service is unavailable right now.";
    UnexpectedError => "Ha ocurrido un error inesperado.", "Something went wrong.";
    SessionExpired => "Tu sesión ha caducado. Vuelve a iniciar sesión.", "Your session has expired. Please sign in again.";
    LoggedOut => "Has cerrado la sesión.", "You have signed out.";
    Loading => "Cargando…", "Loading…";
    Logout => "Cerrar sesión", "Sign out";
    Dashboard => "Panel", "Dashboard";
    DashboardEmpty => "Aquí verás los indicadores del stock.", "Your stock indicators will appear here.";
    Welcome => "Hola", "Hello";
    Language => "Idioma", "Language";
    MainNavigation => "Navegación principal", "Main navigation";
    PageNotFound => "Página no encontrada.", "Page not found.";
}

/// The current language, shared through context.
#[derive(Clone, Copy)]
pub struct I18n {
    lang: RwSignal<Lang>,
}

const STORAGE_KEY: &str = "dealaai.lang";

impl I18n {
    pub fn provide() -> Self {
        let saved = local_storage().and_then(|s| s.get_item(STORAGE_KEY).ok().flatten());
        let lang = saved.as_deref().and_then(Lang::from_code).unwrap_or(Lang::Es);
        let i18n = I18n { lang: RwSignal::new(lang) };
        Effect::new(move |_| {
            let lang = i18n.lang.get();
            if let Some(storage) = local_storage() {
                let _ = storage.set_item(STORAGE_KEY, lang.code());
            }
            if let Some(root) = document().document_element() {
                let _ = root.set_attribute("lang", lang.code());
            }
        });
        provide_context(i18n);
        i18n
    }

    pub fn lang(self) -> Lang {
        self.lang.get()
    }

    pub fn set_lang(self, lang: Lang) {
        self.lang.set(lang);
    }

    /// Reactive: re-renders when the language changes.
    pub fn t(self, msg: Msg) -> &'static str {
        msg.text(self.lang.get())
    }
}

pub fn use_i18n() -> I18n {
    expect_context::<I18n>()
}

/// The message shown for an API error code.
pub fn error_message(code: ErrorCode) -> Msg {
    match code {
        ErrorCode::InvalidCredentials => Msg::InvalidCredentials,
        ErrorCode::Throttled => Msg::TooManyAttempts,
        ErrorCode::ServiceUnavailable => Msg::ServiceUnavailable,
        ErrorCode::Unauthenticated | ErrorCode::InvalidToken => Msg::SessionExpired,
        _ => Msg::UnexpectedError,
    }
}

fn local_storage() -> Option<web_sys::Storage> {
    window().local_storage().ok().flatten()
}
