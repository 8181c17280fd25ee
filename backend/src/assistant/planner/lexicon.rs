//! The words the planner knows besides the database's names, folded (lower case, no accents).
//! A phrase is words separated by single spaces and matches whole words only.

use shared::stock::{Fuel, StockType, Transmission, VehicleStatus};

use crate::assistant::tools::args::GroupBy;

use super::text::Words;

pub(super) const STOCK_NOUNS: &[&str] = &[
    "coche",
    "coches",
    "vehiculo",
    "vehiculos",
    "unidad",
    "unidades",
    "stock",
    "inventario",
    "existencias",
    "flota",
    "car",
    "cars",
    "vehicle",
    "vehicles",
    "unit",
    "units",
    "inventory",
    "fleet",
];

/// Questions about things the tools cannot see, even when they mention cars.
pub(super) const UNANSWERABLE: &[&str] = &[
    "mas vendido",
    "mas vendidos",
    "mas vendida",
    "mas vendidas",
    "best selling",
    "best seller",
    "best sellers",
    "bestseller",
    "top selling",
    "usuario",
    "usuarios",
    "user",
    "users",
    "empleado",
    "empleados",
    "employee",
    "employees",
    "contrasena",
    "password",
    "tiempo hace",
    "weather",
    "ayer",
    "yesterday",
    "semana pasada",
    "last week",
];

pub(super) const COUNT: &[&str] =
    &["cuantos", "cuantas", "numero de", "how many", "number of", "count", "cantidad de", "total de"];

/// Words that may follow "cuántos" / "how many" besides the names and values the reading claimed;
/// anything else ("cuántos empleados") is a subject the tools do not count.
pub(super) const AFTER_COUNT: &[&str] = &[
    "hay",
    "tenemos",
    "tiene",
    "tienen",
    "teneis",
    "quedan",
    "queda",
    "son",
    "estan",
    "llevan",
    "hemos",
    "habia",
    "se",
    "nos",
    "de",
    "en",
    "con",
    "sin",
    "del",
    "los",
    "las",
    "el",
    "la",
    "esos",
    "esas",
    "estos",
    "estas",
    "ellos",
    "ellas",
    "are",
    "do",
    "does",
    "did",
    "have",
    "has",
    "is",
    "were",
    "was",
    "there",
    "we",
    "of",
    "in",
    "with",
    "without",
    "not",
    "those",
    "these",
    "them",
    "the",
    "km",
    "kilometros",
    "dias",
    "days",
    "euros",
    "marcas",
    "modelos",
    "concesionarios",
    "provincias",
    "brands",
    "models",
    "dealers",
    "dealerships",
    "provinces",
];

pub(super) const AVERAGE: &[&str] = &["medio", "media", "medios", "medias", "promedio", "average", "avg", "mean"];
pub(super) const VALUE: &[&str] =
    &["valor", "value", "worth", "vale", "valen", "importe", "suma", "sum", "how much", "cuanto vale", "cuanto valen"];
pub(super) const KM_WORDS: &[&str] =
    &["km", "kms", "kilometros", "kilometraje", "mileage", "kilometres", "kilometers", "miles"];
/// Words that make a question about the stock even without a name or value in it.
pub(super) const STOCK_TOPICS: &[&str] = &[
    "precio",
    "precios",
    "price",
    "prices",
    "km",
    "kilometros",
    "kilometraje",
    "mileage",
    "dias en stock",
    "days in stock",
    "tiempo en stock",
    "time in stock",
    "antiguedad",
];
pub(super) const DAYS_WORDS: &[&str] = &[
    "dias",
    "days",
    "tiempo en stock",
    "time in stock",
    "antiguedad",
    "ageing",
    "aging",
    "rotacion",
    "envejecimiento",
];
const MIN_MAX_WORDS: &[&str] = &[
    "maximo",
    "minimo",
    "maxima",
    "minima",
    "maximum",
    "minimum",
    "mas caro",
    "mas barato",
    "cheapest",
    "most expensive",
    "highest",
    "lowest",
];

pub(super) const COMPARE: &[&str] = &[
    "compara",
    "comparar",
    "comparame",
    "comparacion",
    "comparativa",
    "compare",
    "comparison",
    "vs",
    "versus",
    "frente a",
    "contra",
    "against",
];

pub(super) const HISTORY: &[&str] = &[
    "evolucion",
    "evolution",
    "evolucionado",
    "evolved",
    "tendencia",
    "tendencias",
    "trend",
    "trends",
    "historico",
    "historial",
    "history",
    "cambiado",
    "changed",
    "mes a mes",
    "month by month",
    "month over month",
    "over time",
];

/// Words that describe a need rather than ask for a figure.
pub(super) const NEED: &[&str] = &[
    "busco",
    "buscando",
    "buscamos",
    "algo",
    "recomienda",
    "recomiendas",
    "recomiendame",
    "recomendarias",
    "recomendar",
    "recomendacion",
    "necesito",
    "necesita",
    "necesitamos",
    "quiero",
    "quiere",
    "ideal",
    "adecuado",
    "adecuada",
    "apropiado",
    "sugiere",
    "sugieres",
    "sugerencia",
    "looking for",
    "look for",
    "something",
    "recommend",
    "recommendation",
    "suggest",
    "suitable",
    "need",
    "needs",
    "want",
    "wants",
    "good for",
    "best for",
    "mejor para",
    "perfecto para",
    "perfect for",
];
/// What a customer wants a vehicle to be like: with a need word, a question about the stock
/// even when no brand, type or figure is named ("algo familiar y barato").
pub(super) const VEHICLE_TRAITS: &[&str] = &[
    "familiar",
    "familia",
    "barato",
    "barata",
    "economico",
    "economica",
    "ciudad",
    "maletero",
    "plazas",
    "consumo",
    "espacioso",
    "amplio",
    "pequeno",
    "grande",
    "comodo",
    "potente",
    "deportivo",
    "novel",
    "conductor",
    "viajes",
    "aparcar",
    "family",
    "cheap",
    "affordable",
    "city",
    "boot",
    "trunk",
    "seats",
    "economical",
    "spacious",
    "small",
    "big",
    "comfortable",
    "powerful",
    "sporty",
    "driver",
    "commute",
    "parking",
];
/// "para ciudad", "for a new driver": a need when what follows is not already a name or value.
pub(super) const NEED_PURPOSE: &[&str] = &["para", "for"];
/// Words that make a body type an adjective of the need ("algo familiar") rather than a filter.
pub(super) const DEGREE: &[&str] = &["algo", "something", "muy", "very", "bastante", "quite", "mas", "more"];

/// Words that mark a question as a follow-up on the previous answer.
pub(super) const FOLLOW_UP_START: &[&str] = &[
    "y",
    "e",
    "and",
    "pero",
    "but",
    "solo",
    "only",
    "ahora",
    "now",
    "what about",
    "how about",
    "lo mismo",
    "the same",
];
pub(super) const FOLLOW_UP_ANYWHERE: &[&str] =
    &["esos", "esas", "estos", "estas", "ellos", "ellas", "those", "these", "them", "same for", "lo mismo"];

pub(super) const FUELS: &[(Fuel, &[&str])] = &[
    (
        Fuel::PluginHybrid,
        &[
            "hibrido enchufable",
            "hibridos enchufables",
            "hibrida enchufable",
            "hibridas enchufables",
            "enchufable",
            "enchufables",
            "plug in hybrid",
            "plug in hybrids",
            "plugin hybrid",
            "plugin hybrids",
            "plug in",
            "plugin",
            "phev",
            "phevs",
        ],
    ),
    (Fuel::Hybrid, &["hibrido", "hibridos", "hibrida", "hibridas", "hybrid", "hybrids", "hev"]),
    (
        Fuel::Electric,
        &["electrico", "electricos", "electrica", "electricas", "electric", "electrics", "ev", "evs", "bev"],
    ),
    (Fuel::Diesel, &["diesel", "diesels", "gasoil", "gasoleo"]),
    (Fuel::Petrol, &["gasolina", "gasolinas", "petrol", "gasoline"]),
    (Fuel::Lpg, &["glp", "lpg", "autogas"]),
    (Fuel::Cng, &["gnc", "cng", "gas natural", "natural gas"]),
];

pub(super) const TRANSMISSIONS: &[(Transmission, &[&str])] = &[
    (
        Transmission::Automatic,
        &[
            "automatico",
            "automaticos",
            "automatica",
            "automaticas",
            "cambio automatico",
            "automatic",
            "automatics",
            "automatic transmission",
            "automatic gearbox",
        ],
    ),
    (
        Transmission::Manual,
        &["manual", "manuales", "cambio manual", "manuals", "manual transmission", "manual gearbox"],
    ),
];

pub(super) const STOCK_TYPES: &[(StockType, &[&str])] = &[
    (
        StockType::Km0,
        &["km0", "km 0", "km cero", "kilometro cero", "kilometro 0", "zero km", "zero kilometre", "zero kilometer"],
    ),
    (
        StockType::Demo,
        &["demo", "demos", "demostracion", "de demostracion", "demonstrator", "demonstrators", "demonstration"],
    ),
    (
        StockType::Vo,
        &[
            "vo",
            "ocasion",
            "usado",
            "usados",
            "usada",
            "usadas",
            "segunda mano",
            "seminuevo",
            "seminuevos",
            "used",
            "second hand",
            "pre owned",
        ],
    ),
    (StockType::Vn, &["vn", "nuevo", "nuevos", "nueva", "nuevas", "new cars", "new vehicles", "brand new", "new car"]),
];

pub(super) const STATUSES: &[(VehicleStatus, &[&str])] = &[
    (VehicleStatus::Available, &["disponible", "disponibles", "available"]),
    (VehicleStatus::InPreparation, &["en preparacion", "preparacion", "in preparation", "being prepared"]),
    (VehicleStatus::InTransit, &["en transito", "transito", "en camino", "in transit", "on the way"]),
    (VehicleStatus::Sold, &["vendido", "vendidos", "vendida", "vendidas", "sold"]),
];

/// Yes/no flags: the "no" phrases are listed (and so matched) first.
pub(super) const RESERVED: &[(bool, &[&str])] = &[
    (false, &["sin reservar", "sin reserva", "no reservado", "no reservados", "not reserved", "unreserved"]),
    (true, &["reservado", "reservados", "reservada", "reservadas", "con reserva", "reserved"]),
];
pub(super) const PUBLISHED: &[(bool, &[&str])] = &[
    (
        false,
        &["sin publicar", "no publicado", "no publicados", "not published", "unpublished", "not online", "not listed"],
    ),
    (true, &["publicado", "publicados", "publicada", "publicadas", "published", "online", "en la web", "on the web"]),
];

/// English (and colloquial) names of body types, used when the vocabulary has the Spanish type.
pub(super) const TYPE_ALIASES: &[(&str, &[&str])] = &[
    ("familiar", &["estate", "estates", "wagon", "wagons", "station wagon", "family car", "family cars"]),
    ("monovolumen", &["minivan", "minivans", "mpv", "mpvs", "people carrier", "people carriers"]),
    ("berlina", &["sedan", "sedans", "saloon", "saloons"]),
    ("compacto", &["hatchback", "hatchbacks", "compact", "compacts"]),
    ("furgoneta", &["van", "vans"]),
    ("descapotable", &["convertible", "convertibles", "cabrio", "cabriolet"]),
    ("cabrio", &["convertible", "convertibles", "cabriolet", "descapotable", "descapotables"]),
    ("todoterreno", &["4x4", "off road", "offroad", "off roader", "off roaders"]),
    ("deportivo", &["sports car", "sports cars"]),
];

/// Other names of brands.
pub(super) const BRAND_ALIASES: &[(&str, &str)] = &[("vw", "volkswagen"), ("merche", "mercedes benz")];
/// Brands that are also everyday words: in English questions they must be written with a capital.
pub(super) const BRANDS_THAT_ARE_WORDS: &[&str] = &["seat", "mini", "smart"];
/// Single-word model names too common to mean the model without its brand ("up to 15.000").
pub(super) const COMMON_MODEL_WORDS: &[&str] =
    &["note", "space", "city", "life", "sport", "class", "cross", "line", "family", "one", "mas", "para"];

/// Words in dealers' names that say nothing about which dealer.
pub(super) const GENERIC_NAME_WORDS: &[&str] = &[
    "autos",
    "auto",
    "automoviles",
    "automocion",
    "motor",
    "motors",
    "motores",
    "coches",
    "cars",
    "car",
    "concesionario",
    "concesionarios",
    "grupo",
    "group",
    "centro",
    "norte",
    "sur",
    "este",
    "oeste",
    "premium",
    "ocasion",
    "vehiculos",
    "sl",
    "sa",
    "slu",
];
pub(super) const STOPWORDS: &[&str] =
    &["de", "del", "la", "las", "el", "los", "y", "e", "en", "a", "the", "of", "and", "in", "for", "para", "con"];

/// A dimension a breakdown is asked for after "por", "by", "cada"...: longest phrase wins.
pub(super) const GROUP_PREPOSITIONS: &[&str] = &[
    "por",
    "by",
    "per",
    "segun",
    "cada",
    "each",
    "para cada",
    "for each",
    "in each",
    "de cada",
    "split by",
    "broken down by",
    "grouped by",
    "agrupado por",
    "desglose por",
];
pub(super) const GROUP_ARTICLES: &[&str] = &["el", "la", "los", "las", "the", "cada", "each"];
/// "ordenados por precio" is a sort, not a breakdown.
pub(super) const SORT_WORDS: &[&str] =
    &["ordenados", "ordenado", "ordenadas", "ordena", "ordenar", "sorted", "sort", "ordered", "order"];
pub(super) const GROUP_DIMENSIONS: &[(GroupBy, &[&str])] = &[
    (GroupBy::StockType, &["tipo de stock", "tipos de stock", "stock type", "stock types"]),
    (
        GroupBy::VehicleType,
        &[
            "tipo",
            "tipos",
            "carroceria",
            "carrocerias",
            "tipo de carroceria",
            "tipo de vehiculo",
            "segmento",
            "body type",
            "body types",
            "vehicle type",
            "vehicle types",
            "type",
            "types",
            "body",
        ],
    ),
    (GroupBy::Brand, &["marca", "marcas", "brand", "brands", "make", "makes", "fabricante"]),
    (GroupBy::Model, &["modelo", "modelos", "model", "models"]),
    (GroupBy::Fuel, &["combustible", "combustibles", "carburante", "motorizacion", "fuel", "fuels", "fuel type"]),
    (GroupBy::Transmission, &["cambio", "transmision", "caja de cambios", "transmission", "gearbox"]),
    (GroupBy::Status, &["estado", "estados", "status", "situacion"]),
    (
        GroupBy::Dealer,
        &[
            "concesionario",
            "concesionarios",
            "tienda",
            "tiendas",
            "punto de venta",
            "dealer",
            "dealers",
            "dealership",
            "dealerships",
            "store",
            "stores",
        ],
    ),
    (GroupBy::Province, &["provincia", "provincias", "province", "provinces"]),
    (
        GroupBy::RegistrationYear,
        &["ano", "anos", "ano de matriculacion", "matriculacion", "year", "years", "registration year"],
    ),
    (
        GroupBy::ReceptionMonth,
        &["mes", "meses", "mes de entrada", "mes de llegada", "month", "months", "reception month", "arrival month"],
    ),
    (
        GroupBy::PriceBand,
        &[
            "precio",
            "precios",
            "rango de precio",
            "rangos de precio",
            "franja de precio",
            "franjas de precio",
            "tramo de precio",
            "price",
            "price band",
            "price bands",
            "price range",
            "price ranges",
        ],
    ),
    (
        GroupBy::AgeBand,
        &["antiguedad", "dias en stock", "tramo de antiguedad", "age", "age band", "days in stock", "ageing", "aging"],
    ),
];
/// "cuántas marcas tenemos": the number of groups is the answer.
pub(super) const COUNTED_DIMENSIONS: &[(GroupBy, &[&str])] = &[
    (GroupBy::Brand, &["marcas", "brands"]),
    (GroupBy::Model, &["modelos", "models"]),
    (GroupBy::Dealer, &["concesionarios", "dealers", "dealerships"]),
    (GroupBy::Province, &["provincias", "provinces"]),
];
/// An overview of the stock's age, without "por".
pub(super) const AGE_OVERVIEW: &[&str] =
    &["antiguedad del stock", "antiguedad", "envejecimiento", "ageing", "aging", "stock age", "age of the stock"];

/// Superlatives, as the stock list's sort. Spanish adjectives are listed in all four forms so the
/// plural ones ("los más caros") can ask for several vehicles.
pub(super) const RANKINGS: &[(&str, &[&str])] = &[
    (
        "-sale_price",
        &[
            "mas caro",
            "mas cara",
            "mas caros",
            "mas caras",
            "precio mas alto",
            "mayor precio",
            "most expensive",
            "priciest",
            "highest price",
            "highest priced",
        ],
    ),
    (
        "sale_price",
        &[
            "mas barato",
            "mas barata",
            "mas baratos",
            "mas baratas",
            "mas economico",
            "mas economica",
            "mas economicos",
            "mas economicas",
            "precio mas bajo",
            "menor precio",
            "cheapest",
            "least expensive",
            "lowest price",
            "lowest priced",
        ],
    ),
    (
        "-days_in_stock",
        &[
            "mas antiguo",
            "mas antigua",
            "mas antiguos",
            "mas antiguas",
            "mas tiempo",
            "mas dias",
            "longest",
            "oldest",
            "most days",
        ],
    ),
    (
        "registration_year",
        &[
            "mas viejo",
            "mas vieja",
            "mas viejos",
            "mas viejas",
            "oldest registration",
            "oldest registered",
            "matriculacion mas antigua",
            "matriculaciones mas antiguas",
        ],
    ),
    (
        "-registration_year",
        &[
            "mas nuevo",
            "mas nueva",
            "mas nuevos",
            "mas nuevas",
            "mas moderno",
            "mas moderna",
            "mas modernos",
            "mas modernas",
            "newest registration",
            "most recent registration",
            "youngest",
        ],
    ),
    (
        "-reception_date",
        &[
            "mas reciente",
            "mas recientes",
            "ultimo en llegar",
            "ultima en llegar",
            "ultimos en llegar",
            "ultima entrada",
            "ultimas entradas",
            "ultima llegada",
            "ultimas llegadas",
            "recien llegado",
            "recien llegados",
            "newest",
            "latest",
            "most recent",
            "newest arrival",
            "latest arrival",
            "last to arrive",
        ],
    ),
    (
        "-mileage_km",
        &[
            "mas kilometros",
            "mas km",
            "mas kms",
            "mas kilometraje",
            "mayor kilometraje",
            "most km",
            "most kms",
            "most kilometres",
            "most kilometers",
            "most miles",
            "most mileage",
            "highest mileage",
        ],
    ),
    (
        "mileage_km",
        &[
            "menos kilometros",
            "menos km",
            "menos kms",
            "menos kilometraje",
            "menor kilometraje",
            "fewest km",
            "fewest kms",
            "fewest kilometres",
            "fewest kilometers",
            "least km",
            "lowest mileage",
            "least mileage",
        ],
    ),
    ("-power_cv", &["mas potente", "mas potentes", "mas cv", "mayor potencia", "most powerful", "highest power"]),
    (
        "-estimated_margin",
        &["mayor margen", "mas margen", "highest margin", "biggest margin", "best margin", "most margin"],
    ),
    (
        "price_difference",
        &[
            "mayor bajada",
            "mayor rebaja",
            "mas rebajado",
            "mas rebajada",
            "mas rebajados",
            "mas rebajadas",
            "biggest price drop",
            "largest price drop",
            "biggest price cut",
            "most reduced",
        ],
    ),
];
/// "ordenados por precio": a sort of the list by one of these; (sort, sort when "de mayor a
/// menor" is asked, phrases).
pub(super) const SORTABLE: &[(&str, &str, &[&str])] = &[
    ("sale_price", "-sale_price", &["precio", "precios", "price"]),
    ("mileage_km", "-mileage_km", &["km", "kilometros", "kilometraje", "mileage"]),
    ("-registration_year", "-registration_year", &["ano", "ano de matriculacion", "year", "registration year"]),
    ("-days_in_stock", "-days_in_stock", &["dias en stock", "antiguedad", "days in stock", "age"]),
];
pub(super) const DESCENDING: &[&str] =
    &["de mayor a menor", "descendente", "de mas a menos", "descending", "highest first", "most first"];

/// Words that turn "the oldest" into the oldest registration rather than longest in stock.
pub(super) const REGISTRATION_HINTS: &[&str] = &["matricul", "registr"];
pub(super) const YEAR_WORDS: &[&str] = &["ano", "year", "by year"];

/// Comparisons before a number. Money and kilometres are inclusive either way; days and years
/// distinguish "más de 90" (91 or more) from "al menos 90".
pub(super) const BELOW: &[&str] = &[
    "menos de",
    "por debajo de",
    "inferior a",
    "inferiores a",
    "menor de",
    "menores de",
    "menor que",
    "anteriores a",
    "anterior a",
    "antes de",
    "previos a",
    "under",
    "below",
    "less than",
    "fewer than",
    "lower than",
    "cheaper than",
    "before",
    "older than",
];
pub(super) const AT_MOST: &[&str] = &[
    "hasta",
    "maximo",
    "max",
    "como mucho",
    "como maximo",
    "no mas de",
    "up to",
    "at most",
    "maximum",
    "not more than",
    "no more than",
];
pub(super) const ABOVE: &[&str] = &[
    "mas de",
    "por encima de",
    "superior a",
    "superiores a",
    "mayor de",
    "mayores de",
    "mayor que",
    "posteriores a",
    "posterior a",
    "despues de",
    "over",
    "above",
    "more than",
    "greater than",
    "after",
    "later than",
    "newer than",
];
pub(super) const AT_LEAST: &[&str] =
    &["desde", "a partir de", "minimo", "min", "al menos", "como minimo", "at least", "from", "minimum", "since"];
/// Comparisons after a number (and its unit).
pub(super) const OR_MORE: &[&str] = &[
    "o mas",
    "o superior",
    "o superiores",
    "o posterior",
    "o posteriores",
    "o mas nuevos",
    "o mas recientes",
    "en adelante",
    "y posteriores",
    "or more",
    "or later",
    "or newer",
    "or above",
    "or over",
    "onwards",
    "and up",
    "and above",
    "and later",
    "and newer",
];
pub(super) const OR_LESS: &[&str] = &[
    "o menos",
    "o inferior",
    "o inferiores",
    "o anterior",
    "o anteriores",
    "o mas antiguos",
    "or less",
    "or earlier",
    "or older",
    "or below",
    "or under",
    "and below",
    "and older",
    "and earlier",
];
pub(super) const RANGE_STARTS: &[&str] = &["entre", "between", "de", "desde", "from"];
pub(super) const RANGE_JOINS: &[&str] = &["y", "and", "a", "to", "hasta"];

pub(super) const MONEY_UNITS: &[&str] = &["€", "euros", "euro", "eur"];
pub(super) const DAY_UNITS: &[&str] = &["dias", "dia", "days", "day"];
pub(super) const MONTH_UNITS: &[&str] = &["meses", "mes", "months", "month"];

pub(super) const MONTHS: [(&str, &str); 12] = [
    ("enero", "january"),
    ("febrero", "february"),
    ("marzo", "march"),
    ("abril", "april"),
    ("mayo", "may"),
    ("junio", "june"),
    ("julio", "july"),
    ("agosto", "august"),
    ("septiembre", "september"),
    ("octubre", "october"),
    ("noviembre", "november"),
    ("diciembre", "december"),
];
pub(super) const LAST_MONTH: &[&str] = &["mes pasado", "mes anterior", "last month", "previous month"];
pub(super) const THIS_MONTH: &[&str] = &["este mes", "mes actual", "this month", "current month"];
pub(super) const LAST_MONTHS: &[&str] = &["ultimos", "last", "past", "previous", "pasados"];
/// Spans named by one word: "el último trimestre", "last quarter".
pub(super) const SPANS: &[(&str, i64)] = &[("trimestre", 3), ("quarter", 3), ("semestre", 6), ("half year", 6)];

/// What a dashboard question asks about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum DashboardTopic {
    Summary,
    Margin,
    Sold,
    Received,
    Removed,
    BelowCost,
    Median,
}

const SUMMARY: &[&str] = &[
    "resumen",
    "kpi",
    "kpis",
    "indicadores",
    "cuadro de mando",
    "panel",
    "como esta el stock",
    "situacion del stock",
    "estado del stock",
    "summary",
    "overview",
    "dashboard",
    "how is the stock",
    "how s the stock",
];
const MARGIN: &[&str] =
    &["margen", "margenes", "margin", "margins", "rentabilidad", "profit", "profitability", "beneficio"];
const BELOW_COST: &[&str] =
    &["bajo coste", "por debajo de coste", "por debajo del coste", "debajo del coste", "below cost", "under cost"];
const MEDIAN: &[&str] = &["mediana", "median"];
/// Counts the dashboard keeps for this week and month.
pub(super) const RECENT: &[&str] =
    &["este mes", "esta semana", "this month", "this week", "del mes", "de la semana", "en el mes"];
const SOLD_PREFIXES: &[&str] = &["vend", "venta", "sold", "sale"];
const RECEIVED_PREFIXES: &[&str] = &["recib", "entrad", "entrado", "llegad", "nuev", "receiv", "arriv", "new"];
/// "nuevos" among the arrivals of the week or month means newly arrived, not the VN stock type.
pub(super) const NEWLY: &[&str] = &["nuevo", "nuevos", "nueva", "nuevas", "new"];
const REMOVED_PREFIXES: &[&str] = &["retirad", "eliminad", "borrad", "removed", "deleted"];

pub(super) fn dashboard_topic(words: &Words) -> Option<DashboardTopic> {
    let recent = words.contains_any(RECENT);
    if words.contains_any(MARGIN) && !words.contains_any(&["mayor margen", "mas margen", "highest margin"]) {
        Some(DashboardTopic::Margin)
    } else if words.contains_any(BELOW_COST) {
        Some(DashboardTopic::BelowCost)
    } else if recent && words.any_word_starts_with(SOLD_PREFIXES) {
        Some(DashboardTopic::Sold)
    } else if recent && words.any_word_starts_with(REMOVED_PREFIXES) {
        Some(DashboardTopic::Removed)
    } else if recent && words.any_word_starts_with(RECEIVED_PREFIXES) {
        Some(DashboardTopic::Received)
    } else if words.contains_any(MEDIAN) {
        Some(DashboardTopic::Median)
    } else if words.contains_any(SUMMARY) {
        Some(DashboardTopic::Summary)
    } else {
        None
    }
}

/// Which figure of an aggregate a question is after, and which extra columns it wants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Focus {
    pub lead: Lead,
    pub km: bool,
    pub days: bool,
    pub value: bool,
    pub min_max: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Lead {
    Count,
    Value,
    AveragePrice,
    AverageKm,
    AverageDays,
}

pub(super) fn focus(words: &Words) -> Focus {
    let km = words.contains_any(KM_WORDS);
    let days = words.contains_any(DAYS_WORDS);
    let value = words.contains_any(VALUE);
    let lead = if words.contains_any(AVERAGE) {
        if km {
            Lead::AverageKm
        } else if days {
            Lead::AverageDays
        } else {
            Lead::AveragePrice
        }
    } else if value {
        Lead::Value
    } else {
        Lead::Count
    };
    Focus { lead, km, days, value, min_max: words.contains_any(MIN_MAX_WORDS) }
}

/// Spanish provinces by INE code: their names for answers, and other names people use for them.
pub(super) const PROVINCES: &[(&str, &str, &[&str])] = &[
    ("01", "Álava", &["alava", "araba"]),
    ("02", "Albacete", &[]),
    ("03", "Alicante", &["alicante", "alacant"]),
    ("04", "Almería", &[]),
    ("05", "Ávila", &[]),
    ("06", "Badajoz", &[]),
    ("07", "Illes Balears", &["baleares", "islas baleares", "illes balears", "balears", "mallorca"]),
    ("08", "Barcelona", &[]),
    ("09", "Burgos", &[]),
    ("10", "Cáceres", &[]),
    ("11", "Cádiz", &[]),
    ("12", "Castellón", &["castellon", "castello"]),
    ("13", "Ciudad Real", &[]),
    ("14", "Córdoba", &[]),
    ("15", "A Coruña", &["coruna", "la coruna", "a coruna"]),
    ("16", "Cuenca", &[]),
    ("17", "Girona", &["girona", "gerona"]),
    ("18", "Granada", &[]),
    ("19", "Guadalajara", &[]),
    ("20", "Gipuzkoa", &["gipuzkoa", "guipuzcoa"]),
    ("21", "Huelva", &[]),
    ("22", "Huesca", &[]),
    ("23", "Jaén", &[]),
    ("24", "León", &[]),
    ("25", "Lleida", &["lleida", "lerida"]),
    ("26", "La Rioja", &["la rioja", "rioja"]),
    ("27", "Lugo", &[]),
    ("28", "Madrid", &[]),
    ("29", "Málaga", &[]),
    ("30", "Murcia", &[]),
    ("31", "Navarra", &["navarra", "nafarroa"]),
    ("32", "Ourense", &["ourense", "orense"]),
    ("33", "Asturias", &[]),
    ("34", "Palencia", &[]),
    ("35", "Las Palmas", &["las palmas", "gran canaria"]),
    ("36", "Pontevedra", &[]),
    ("37", "Salamanca", &[]),
    ("38", "Santa Cruz de Tenerife", &["tenerife", "santa cruz de tenerife"]),
    ("39", "Cantabria", &[]),
    ("40", "Segovia", &[]),
    ("41", "Sevilla", &["sevilla", "seville"]),
    ("42", "Soria", &[]),
    ("43", "Tarragona", &[]),
    ("44", "Teruel", &[]),
    ("45", "Toledo", &[]),
    ("46", "Valencia", &["valencia"]),
    ("47", "Valladolid", &[]),
    ("48", "Bizkaia", &["bizkaia", "vizcaya"]),
    ("49", "Zamora", &[]),
    ("50", "Zaragoza", &["zaragoza", "saragossa"]),
    ("51", "Ceuta", &[]),
    ("52", "Melilla", &[]),
];

pub(super) fn province_name(code: &str) -> Option<&'static str> {
    PROVINCES.iter().find(|(c, _, _)| *c == code).map(|(_, name, _)| *name)
}

pub(super) fn province_aliases(code: &str) -> &'static [&'static str] {
    PROVINCES.iter().find(|(c, _, _)| *c == code).map_or(&[], |(_, _, aliases)| aliases)
}
