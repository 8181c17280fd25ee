//! Every UI string goes through here. Spanish is the default, English is available; the
//! choice is remembered in localStorage. A missing translation is a compile error, because
//! each message is one enum variant with both texts side by side (or, for the words the
//! backend's localized exports write too, with its one copy in `shared`).

use leptos::prelude::*;
use shared::ErrorCode;

/// The languages, shared with the backend's localized files.
pub use shared::labels::Lang;
use shared::labels::{self, Label};
use shared::stock::{Fuel, StockType, Transmission, VehicleStatus};

macro_rules! messages {
    (
        shared { $($shared:ident => $label:expr;)* }
        $($name:ident => $es:literal, $en:literal;)*
    ) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Msg { $($shared,)* $($name),* }

        impl Msg {
            pub fn text(self, lang: Lang) -> &'static str {
                match (self, lang) {
                    $((Msg::$shared, lang) => Label::text($label, lang),)*
                    $((Msg::$name, Lang::Es) => $es, (Msg::$name, Lang::En) => $en,)*
                }
            }
        }
    };
}

/// A vehicle field's label (the names the exports write too).
fn field(name: &str) -> Label {
    shared::stock::labels::field_label(name).unwrap_or(Label::new("?", "?"))
}

messages! {
    // Words the backend's localized exports write too: their one copy is in `shared`.
    shared {
        Vin => field("vin");
        LegacyVin => field("legacy_vin");
        Plate => field("plate");
        Brand => field("brand");
        Model => field("model");
        Version => field("version");
        RegistrationYear => field("registration_year");
        RegistrationDate => field("registration_date");
        ReceptionDate => field("reception_date");
        Mileage => field("mileage_km");
        Colour => field("colour");
        Fuel => field("fuel");
        Transmission => field("transmission");
        Power => field("power_cv");
        VehicleType => field("vehicle_type");
        StockType => field("stock_type");
        Status => field("status");
        Reserved => field("reserved");
        ReservedAt => field("reserved_at");
        Published => field("published");
        ListingUrl => field("listing_url");
        Location => field("location");
        PurchasePrice => field("purchase_price");
        TotalCost => field("total_cost");
        SalePrice => field("sale_price");
        PreviousPrice => field("previous_price");
        PriceDifference => field("price_difference");
        EstimatedMargin => field("estimated_margin");
        DaysInStock => field("days_in_stock");
        Description => field("description");
        OnlineVisits => field("online_visits");
        OnlineCalls => field("online_calls");
        OnlineLeads => field("online_leads");
        CreatedAt => field("created_at");
        UpdatedAt => field("updated_at");
        Dealer => field("dealer");
        Province => field("province");
        FuelPetrol => Fuel::Petrol.label();
        FuelDiesel => Fuel::Diesel.label();
        FuelHybrid => Fuel::Hybrid.label();
        FuelPluginHybrid => Fuel::PluginHybrid.label();
        FuelElectric => Fuel::Electric.label();
        FuelLpg => Fuel::Lpg.label();
        FuelCng => Fuel::Cng.label();
        FuelOther => Fuel::Other.label();
        TransmissionManual => Transmission::Manual.label();
        TransmissionAutomatic => Transmission::Automatic.label();
        StockTypeVo => StockType::Vo.label();
        StockTypeVn => StockType::Vn.label();
        StockTypeKm0 => StockType::Km0.label();
        StockTypeDemo => StockType::Demo.label();
        StatusAvailable => VehicleStatus::Available.label();
        StatusInPreparation => VehicleStatus::InPreparation.label();
        StatusInTransit => VehicleStatus::InTransit.label();
        StatusSold => VehicleStatus::Sold.label();
        Yes => labels::YES;
        No => labels::NO;
    }
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
    MyProfile => "Mi perfil", "My profile";
    Users => "Usuarios", "Users";
    Organisation => "Organización", "Organisation";
    Save => "Guardar", "Save";
    Saved => "Cambios guardados.", "Changes saved.";
    Cancel => "Cancelar", "Cancel";
    Create => "Crear", "Create";
    SearchUsers => "Buscar por nombre, usuario o correo", "Search by name, username or email";
    Previous => "Anterior", "Previous";
    Next => "Siguiente", "Next";
    PageOf => "Página", "Page";
    Results => "resultados", "results";
    NoResults => "No hay resultados.", "No results.";
    None => "Ninguno", "None";
    FirstName => "Nombre", "First name";
    LastName => "Apellidos", "Last name";
    Email => "Correo electrónico", "Email";
    Mobile => "Móvil", "Mobile";
    Role => "Rol", "Role";
    RoleAdmin => "Administrador", "Administrator";
    RoleManager => "Responsable", "Manager";
    RoleSales => "Comercial", "Sales";
    RoleViewer => "Consulta", "Viewer";
    Active => "Activo", "Active";
    Inactive => "Inactivo", "Inactive";
    ChatEnabled => "Asistente IA habilitado", "AI assistant enabled";
    Dealers => "Concesionarios", "Dealerships";
    Provinces => "Provincias", "Provinces";
    JobProfile => "Perfil", "Job profile";
    JobProfiles => "Perfiles", "Job profiles";
    Boss => "Responsable directo", "Manager";
    BirthDate => "Fecha de nacimiento", "Birth date";
    JoiningDate => "Fecha de alta", "Joining date";
    LeavingDate => "Fecha de baja", "Leaving date";
    NewUser => "Nuevo usuario", "New user";
    EditUser => "Editar usuario", "Edit user";
    Deactivate => "Desactivar", "Deactivate";
    ConfirmDeactivate => "¿Desactivar este usuario? No podrá iniciar sesión y se cerrarán sus sesiones.", "Deactivate this user? They will not be able to log in and their sessions will end.";
    Team => "Equipo", "Team";
    NoTeam => "No tiene a nadie a su cargo.", "Nobody reports to this user.";
    ChangePassword => "Cambiar contraseña", "Change password";
    CurrentPassword => "Contraseña actual", "Current password";
    NewPassword => "Nueva contraseña", "New password";
    ConfirmPassword => "Repite la nueva contraseña", "Repeat the new password";
    PasswordsDiffer => "Las contraseñas no coinciden", "The passwords do not match";
    PasswordChanged => "Contraseña cambiada. Se han cerrado tus otras sesiones.", "Password changed. Your other sessions have been closed.";
    PasswordHint => "Mínimo 10 caracteres; no uses tu usuario ni contraseñas comunes.", "At least 10 characters; avoid your username and common passwords.";
    ResetPassword => "Establecer contraseña", "Set password";
    PasswordReset => "Contraseña establecida. Sus sesiones se han cerrado.", "Password set. Their sessions have been closed.";
    Sessions => "Sesiones activas", "Active sessions";
    ThisDevice => "Este dispositivo", "This device";
    LastUsed => "Último uso", "Last used";
    EndSession => "Cerrar sesión", "End session";
    SessionDevice => "Dispositivo", "Device";
    SessionPlace => "Lugar (dirección IP)", "Place (IP address)";
    UnknownBrowser => "Navegador desconocido", "Unknown browser";
    UnknownSystem => "sistema desconocido", "unknown system";
    UnknownPlace => "desconocido", "unknown";
    Menu => "Menú", "Menu";
    Filters => "Filtros", "Filters";
    Code => "Código", "Code";
    Name => "Nombre", "Name";
    Phone => "Teléfono", "Phone";
    Add => "Añadir", "Add";
    All => "Todos", "All";
    Edit => "Editar", "Edit";
    Delete => "Eliminar", "Delete";
    ConfirmDelete => "¿Eliminar este registro?", "Delete this record?";
    Forbidden => "No tienes permiso para hacer esto.", "You are not allowed to do this.";
    PageForbidden => "No tienes permiso para ver esta página.", "You are not allowed to see this page.";
    BackToDashboard => "← Volver al panel", "← Back to the dashboard";
    NotFound => "No encontrado.", "Not found.";
    CheckFields => "Revisa los campos marcados.", "Please check the highlighted fields.";
    ProblemRequired => "Este campo es obligatorio", "This field is required";
    ProblemInvalid => "Valor no válido", "Invalid value";
    ProblemTooShort => "Demasiado corto", "Too short";
    ProblemTooLong => "Demasiado largo", "Too long";
    ProblemInvalidEmail => "Correo electrónico no válido", "Invalid email address";
    ProblemAlreadyTaken => "Ya está en uso", "Already in use";
    ProblemUnknownReference => "No existe", "Does not exist";
    ProblemSelfReference => "No puede ser el propio usuario", "Cannot be the user themselves";
    ProblemCycle => "Crearía un ciclo en la jerarquía", "Would create a cycle in the hierarchy";
    ProblemOnlyDigits => "No puede tener solo números", "Cannot be only digits";
    ProblemContainsUsername => "No puede contener el usuario", "Cannot contain the username";
    ProblemTooCommon => "Es demasiado común", "Is too common";
    ProblemWrongPassword => "La contraseña no es correcta", "The password is not correct";
    ProblemInUse => "Está en uso y no se puede eliminar", "Is in use and cannot be deleted";
    ProblemDuplicate => "Repetido en el mismo archivo", "Repeated in the same file";
    ProblemAtLeast => "Debe ser mayor o igual que", "Must be at least";
    ProblemAtMost => "Debe ser menor o igual que", "Must be at most";
    FileTooLarge => "El archivo es demasiado grande.", "The file is too large.";
    // Stock
    Stock => "Stock", "Stock";
    Import => "Importar", "Import";
    NewVehicle => "Nuevo vehículo", "New vehicle";
    EditVehicle => "Editar vehículo", "Edit vehicle";
    DeleteVehicle => "Eliminar vehículo", "Delete vehicle";
    ConfirmDeleteVehicle => "¿Eliminar este vehículo del stock? No se puede deshacer.", "Delete this vehicle from stock? This cannot be undone.";
    ConfirmDeleteYes => "Sí, eliminar", "Yes, delete";
    BackToStock => "← Volver al stock", "← Back to stock";
    VehicleOne => "vehículo", "vehicle";
    VehicleMany => "vehículos", "vehicles";
    NoVehiclesMatch => "Ningún vehículo coincide con los filtros", "No vehicle matches the filters";
    InvalidFilters => "Revisa estos filtros:", "Check these filters:";
    Search => "Búsqueda", "Search";
    SearchStock => "Buscar por VIN, matrícula, marca, modelo…", "Search by VIN, plate, make, model…";
    SearchStockMeaning => "Describe lo que buscas: familiar diésel automático, urbano económico…", "Describe what you need: automatic diesel estate, cheap city car…";
    SearchModeLabel => "Tipo de búsqueda", "Search type";
    SearchModeHint => "Por significado encuentra vehículos que encajan con lo que describes aunque no usen esas palabras; la combinada une significado y texto.", "By meaning finds vehicles that fit what you describe even without those words; combined joins meaning and text.";
    SearchModeHybrid => "Combinada (recomendada)", "Combined (recommended)";
    SearchModeSemantic => "Por significado", "By meaning";
    SearchModeText => "Texto", "Text";
    SemanticUnavailable => "La búsqueda por significado no está disponible; se muestran resultados por texto.", "Search by meaning is not available; showing text matches.";
    Relevance => "Relevancia", "Relevance";
    RelevanceHint => "Clic para ordenar por relevancia", "Click to sort by relevance";
    SimilarVehicles => "Vehículos similares", "Similar vehicles";
    NoSimilarVehicles => "Aún no hay vehículos similares.", "No similar vehicles yet.";
    RemoveFilter => "Quitar filtro", "Remove filter";
    ClearFilters => "Limpiar filtros", "Clear filters";
    Columns => "Columnas", "Columns";
    DensityCompact => "Vista compacta", "Compact view";
    DensityComfortable => "Vista amplia", "Comfortable view";
    PageSize => "Por página", "Per page";
    Pages => "Páginas", "Pages";
    SortOrder => "Orden", "Sort order";
    SortHint => "Clic para ordenar; Mayús+clic añade un orden secundario", "Click to sort; Shift+click adds a secondary sort";
    ExportCsv => "Exportar CSV", "Export CSV";
    ExportExcel => "Exportar Excel", "Export Excel";
    PriceDown => "Precio rebajado", "Price lowered";
    PriceUp => "Precio subido", "Price raised";
    PriceMin => "Precio mín. (€)", "Min price (€)";
    PriceMax => "Precio máx. (€)", "Max price (€)";
    KmMin => "Km mín.", "Min km";
    KmMax => "Km máx.", "Max km";
    YearMin => "Año desde", "Year from";
    YearMax => "Año hasta", "Year to";
    DaysMin => "Días en stock mín.", "Min days in stock";
    DaysMax => "Días en stock máx.", "Max days in stock";
    VinHint => "17 caracteres: cifras y letras mayúsculas, sin I, O ni Q.", "17 characters: digits and capital letters, no I, O or Q.";
    ExtraFields => "Otros datos importados", "Other imported data";
    PriceHistory => "Historial de precios", "Price history";
    NoPriceChanges => "Sin cambios de precio.", "No price changes.";
    Snapshots => "Fotos diarias del stock", "Daily snapshots";
    NoSnapshots => "Todavía no hay fotos diarias.", "No daily snapshots yet.";
    ChangeLog => "Registro de cambios", "Change log";
    NoChanges => "Sin cambios registrados.", "No recorded changes.";
    Date => "Fecha", "Date";
    PriceChange => "Cambio", "Change";
    ChangedBy => "Quién", "Who";
    System => "Sistema", "System";
    ActionCreate => "Alta", "Created";
    ActionUpdate => "Modificación", "Changed";
    ActionDelete => "Baja", "Deleted";
    ImportStock => "Importar stock", "Import stock";
    ImportHelp => "Sube un archivo CSV (UTF-8) con una fila de cabecera. Cada fila crea un vehículo o actualiza el que tenga el mismo VIN.", "Upload a CSV file (UTF-8) with a header row. Each row creates a vehicle or updates the one with the same VIN.";
    ImportColumns => "Columnas: los nombres en inglés de la API (vin, plate, brand, model, version, registration_year, mileage_km, fuel, transmission, stock_type, status, sale_price, purchase_price, dealer, province…) o los anteriores en español (bastidor, matricula, marca, modelo, version, kilometros, combustible, precio_venta, concesionario, provincia…). Obligatorias: vin, brand, model y sale_price (o bastidor, marca, modelo y precio_venta). Separador: coma o punto y coma. Un archivo exportado desde el listado, en español o en inglés, se puede volver a importar.", "Columns: the API's English names (vin, plate, brand, model, version, registration_year, mileage_km, fuel, transmission, stock_type, status, sale_price, purchase_price, dealer, province…) or the earlier Spanish ones (bastidor, matricula, marca, modelo, version, kilometros, combustible, precio_venta, concesionario, provincia…). Required: vin, brand, model and sale_price (or bastidor, marca, modelo and precio_venta). Separator: comma or semicolon. A file exported from the list, in Spanish or English, can be imported again.";
    CsvFile => "Archivo CSV", "CSV file";
    ChooseFile => "Elige un archivo CSV.", "Choose a CSV file.";
    IfInvalidRows => "Si hay filas no válidas", "If some rows are invalid";
    ModeAllOrNothing => "Todo o nada: no importar ninguna", "All or nothing: import none";
    ModeSkipInvalid => "Omitir las filas inválidas e importar el resto", "Skip the invalid rows and import the rest";
    UploadImport => "Subir e importar", "Upload and import";
    Importing => "Importando…", "Importing…";
    ImportReport => "Resultado de la importación", "Import report";
    ImportCommitted => "Importación completada.", "Import complete.";
    ImportNothingWritten => "No se ha importado nada porque hay filas no válidas. Corrígelas o elige omitir las filas inválidas.", "Nothing was imported because some rows are invalid. Fix them or choose to skip invalid rows.";
    ImportMissingColumns => "Faltan columnas obligatorias en el archivo.", "The file lacks required columns.";
    ImportDuplicateColumn => "Una columna aparece dos veces en la cabecera.", "A column appears twice in the header.";
    ImportUnreadableFile => "El archivo no se puede leer: guárdalo como CSV en UTF-8.", "The file cannot be read: save it as a UTF-8 CSV.";
    RowsRead => "Filas leídas", "Rows read";
    RowsCreated => "Creados", "Created";
    RowsUpdated => "Actualizados", "Updated";
    RowsUnchanged => "Sin cambios", "Unchanged";
    RowsRejected => "Rechazadas", "Rejected";
    RowsApplied => "Procesadas", "Processed";
    OfTheFileRead => "del archivo leído", "of the file read";
    ImportCommitting => "Guardando los cambios…", "Saving the changes…";
    RejectedRows => "Filas rechazadas", "Rejected rows";
    Showing => "Mostrando", "Showing";
    Row => "Fila", "Row";
    ImportRowUnreadable => "la fila no se puede leer: revisa que tenga las columnas de la cabecera y que el archivo esté guardado como CSV UTF-8", "the row cannot be read: check that it has the header's columns and that the file is saved as UTF-8 CSV";
    ImportNotAnAmount => "no es un importe válido", "is not a valid amount";
    ImportNotAWholeNumber => "no es un número entero válido", "is not a valid whole number";
    ImportNotADate => "no es una fecha válida (usa 31/12/2026 o 2026-12-31)", "is not a valid date (use 31/12/2026 or 2026-12-31)";
    ImportNotYesNo => "no es «Sí» ni «No»", "is not “Yes” or “No”";
    ImportNotValid => "no es un valor válido", "is not a valid value";
    ImportAlreadyOnRow => "ya aparece en la fila", "already appears on row";
    // Dashboard
    DashboardFilters => "Filtros del panel", "Dashboard filters";
    FiguresAsOf => "Datos a", "Figures as of";
    NoStockYet => "Todavía no hay vehículos en el stock.", "There are no vehicles in stock yet.";
    NoData => "Sin datos", "No data";
    ShowInStock => "Ver estos vehículos en el stock", "Show these vehicles in the stock list";
    KpiTotal => "Vehículos en stock", "Vehicles in stock";
    KpiAvailable => "Disponibles", "Available";
    KpiReserved => "Reservados", "Reserved";
    KpiPublished => "Publicados", "Published";
    KpiNotPublished => "Sin publicar", "Not published";
    KpiNewThisWeek => "Entradas esta semana", "Received this week";
    KpiNewThisMonth => "Entradas este mes", "Received this month";
    KpiSoldThisMonth => "Vendidos este mes", "Sold this month";
    KpiRemovedThisMonth => "Bajas este mes", "Removed this month";
    KpiStockValue => "Valor del stock", "Stock value";
    KpiCostValue => "Coste del stock", "Stock cost";
    KpiAveragePrice => "Precio medio", "Average price";
    KpiAverageMargin => "Margen medio", "Average margin";
    KpiMarginPercent => "Margen sobre venta", "Margin on sale price";
    KpiBelowCost => "Por debajo de coste", "Below cost";
    KpiAverageDays => "Días medios en stock", "Average days in stock";
    KpiMedianDays => "Mediana de días en stock", "Median days in stock";
    VsWeekAgo => "vs hace 7 días", "vs 7 days ago";
    VsMonthAgo => "vs hace 30 días", "vs 30 days ago";
    ChartAgeing => "Antigüedad en stock", "Time in stock";
    ChartBrands => "Marcas", "Makes";
    ChartFuels => "Combustibles", "Fuels";
    ChartPriceBands => "Tramos de precio", "Price bands";
    ChartYears => "Año de matriculación", "Registration year";
    OtherBrands => "Otras marcas", "Other makes";
    NotSpecified => "Sin indicar", "Not specified";
    Trend90Days => "Evolución de los últimos 90 días", "The last 90 days";
    DayOne => "día", "day";
    DayMany => "días", "days";
    OldestVehicles => "Vehículos más antiguos", "Longest in stock";
    RecentActivity => "Actividad reciente", "Recent activity";
    RecentReceived => "Últimas entradas", "Recently received";
    RecentPriceChanges => "Últimos cambios de precio", "Latest price changes";
    RecentReservations => "Últimas reservas", "Latest reservations";
    NothingRecent => "Nada reciente.", "Nothing recent.";
    // Stock filters the assistant's links can set
    BodyType => "Carrocería", "Body type";
    // Assistant
    Assistant => "Asistente", "Assistant";
    Conversations => "Conversaciones", "Conversations";
    NewConversation => "Nueva conversación", "New conversation";
    UntitledConversation => "Conversación sin título", "Untitled conversation";
    NoConversations => "Aún no tienes conversaciones.", "You have no conversations yet.";
    Rename => "Renombrar", "Rename";
    ConversationTitle => "Título de la conversación", "Conversation title";
    ConfirmDeleteConversation => "¿Eliminar esta conversación y todos sus mensajes?", "Delete this conversation and all its messages?";
    AssistantIntro => "Pregunta lo que quieras sobre el stock. Por ejemplo:", "Ask anything about the stock. For example:";
    ExampleQuestion1 => "¿Cuántos SEAT diésel tenemos en Madrid?", "How many diesel SEATs do we have in Madrid?";
    ExampleQuestion2 => "Precio medio de los SUV", "Average price of the SUVs";
    ExampleQuestion3 => "Vehículos con más de 90 días en stock por concesionario", "Vehicles more than 90 days in stock by dealership";
    ExampleQuestion4 => "Algo familiar y barato para una familia de cinco", "Something roomy and cheap for a family of five";
    QuestionLabel => "Tu pregunta", "Your question";
    QuestionPlaceholder => "Escribe tu pregunta… (Intro envía, Mayús+Intro nueva línea)", "Type your question… (Enter sends, Shift+Enter new line)";
    Send => "Enviar", "Send";
    Stop => "Detener", "Stop";
    Retry => "Reintentar", "Retry";
    Thinking => "Pensando…", "Thinking…";
    AnswerPartial => "Respuesta incompleta: se interrumpió.", "Incomplete answer: it was cut off.";
    AnswerStopped => "Respuesta detenida.", "Answer stopped.";
    AnswerFailed => "La respuesta ha fallado.", "The answer failed.";
    AnswerInterrupted => "Se ha perdido la conexión durante la respuesta.", "The connection was lost during the answer.";
    UnverifiedFigures => "Cifras no verificadas:", "Unverified figures:";
    ToolCalls => "Consultas realizadas", "Lookups made";
    ToolSearchVehicles => "buscó", "searched";
    ToolAggregateStock => "agregó", "aggregated";
    ToolSemanticSearch => "buscó por significado", "searched by meaning";
    ToolGetVehicle => "consultó el vehículo", "looked up the vehicle";
    ToolDashboardFigures => "consultó el cuadro de mando", "checked the dashboard";
    ToolStockHistory => "consultó el histórico", "checked the history";
    ToolRunning => "en curso…", "running…";
    ToolWholeStock => "todo el stock", "the whole stock";
    RowOne => "fila", "row";
    RowMany => "filas", "rows";
    FilterPrice => "precio", "price";
    FilterKm => "km", "km";
    FilterYear => "año", "year";
    FilterDays => "días en stock", "days in stock";
    FilterBrand => "marca", "make";
    FilterModel => "modelo", "model";
    FilterBodyType => "carrocería", "body type";
    FilterDealer => "concesionario", "dealership";
    FilterProvince => "provincia", "province";
    FilterFuel => "combustible", "fuel";
    FilterTransmission => "cambio", "transmission";
    FilterStockType => "tipo de stock", "stock type";
    FilterStatus => "estado", "status";
    FilterReserved => "reservado", "reserved";
    FilterPublished => "publicado", "published";
    CharactersLeft => "caracteres", "characters";
    QuestionTooLong => "La pregunta es demasiado larga.", "The question is too long.";
    ChatForbidden => "No tienes acceso al asistente.", "You do not have access to the assistant.";
    ChatThrottled => "Has alcanzado el límite de preguntas por ahora. Espera un poco y vuelve a intentarlo.", "You have reached the question limit for now. Wait a little and try again.";
    ChatUnavailable => "El asistente no está disponible en este momento. Inténtalo más tarde.", "The assistant is unavailable right now. Try again later.";
    ChatFailed => "El asistente no ha podido responder. Pulsa «Reintentar».", "The assistant could not answer. Press “Retry”.";
    ConversationNotFound => "Esta conversación no existe o ya no está disponible.", "This conversation does not exist or is no longer available.";
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
        ErrorCode::Forbidden => Msg::Forbidden,
        ErrorCode::NotFound => Msg::NotFound,
        ErrorCode::ValidationFailed | ErrorCode::Conflict => Msg::CheckFields,
        ErrorCode::Throttled => Msg::TooManyAttempts,
        ErrorCode::PayloadTooLarge => Msg::FileTooLarge,
        ErrorCode::ServiceUnavailable => Msg::ServiceUnavailable,
        ErrorCode::Unauthenticated | ErrorCode::InvalidToken => Msg::SessionExpired,
        _ => Msg::UnexpectedError,
    }
}

pub fn local_storage() -> Option<web_sys::Storage> {
    window().local_storage().ok().flatten()
}

/// The message for a field problem code sent by the API.
pub fn problem_message(code: &str) -> Msg {
    use shared::FieldProblem::*;
    match shared::FieldProblem::parse(code) {
        Some(Required) => Msg::ProblemRequired,
        Some(TooShort) => Msg::ProblemTooShort,
        Some(TooLong) => Msg::ProblemTooLong,
        Some(InvalidEmail) => Msg::ProblemInvalidEmail,
        Some(AlreadyTaken) => Msg::ProblemAlreadyTaken,
        Some(UnknownReference) => Msg::ProblemUnknownReference,
        Some(SelfReference) => Msg::ProblemSelfReference,
        Some(Cycle) => Msg::ProblemCycle,
        Some(OnlyDigits) => Msg::ProblemOnlyDigits,
        Some(ContainsUsername) => Msg::ProblemContainsUsername,
        Some(TooCommon) => Msg::ProblemTooCommon,
        Some(WrongPassword) => Msg::ProblemWrongPassword,
        Some(InUse) => Msg::ProblemInUse,
        Some(Duplicate) => Msg::ProblemDuplicate,
        Some(Invalid) | None => Msg::ProblemInvalid,
    }
}

/// The text for a field problem: a number out of its range names the bound ("Debe ser mayor
/// o igual que 0") rather than "too short".
pub fn problem_text(code: &str, bounds: Option<shared::stock::check::Bounds>, lang: Lang) -> String {
    let bound = |msg: Msg, value: i64, money: bool| {
        let value = if money {
            crate::format::money(shared::stock::Money(value), lang)
        } else if value.abs() < 10_000 {
            // Years and small numbers read best without a thousands separator.
            value.to_string()
        } else {
            crate::format::integer(value, lang)
        };
        format!("{} {value}", msg.text(lang))
    };
    match (shared::FieldProblem::parse(code), bounds) {
        (Some(shared::FieldProblem::TooShort), Some(b)) => bound(Msg::ProblemAtLeast, b.min, b.money),
        (Some(shared::FieldProblem::TooLong), Some(b)) => bound(Msg::ProblemAtMost, b.max, b.money),
        _ => problem_message(code).text(lang).to_owned(),
    }
}

pub fn role_name(role: shared::users::Role) -> Msg {
    use shared::users::Role;
    match role {
        Role::Admin => Msg::RoleAdmin,
        Role::Manager => Msg::RoleManager,
        Role::Sales => Msg::RoleSales,
        Role::Viewer => Msg::RoleViewer,
    }
}
