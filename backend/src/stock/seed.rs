//! Demo stock: a coherent Spanish inventory, the same for the same seed. Real brands and
//! models; age, mileage and price agree with each other; premium brands cost more; VINs follow
//! the ISO alphabet with each brand's manufacturer code; plates follow the Spanish series of
//! their registration year.

use chrono::{Datelike, Days, NaiveDate};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::records::{JSON_ROWS_SQL, VehicleRecord, insert_from_input_sql};
use crate::db::schema::{dealers, provinces};

struct Brand {
    name: &'static str,
    /// World manufacturer identifier: the VIN's first three characters.
    wmi: &'static str,
    /// (model, new price in euros, vehicle type)
    models: &'static [(&'static str, i64, &'static str)],
    /// How common the brand is in a Spanish dealership group's stock.
    weight: u32,
}

const BRANDS: &[Brand] = &[
    Brand {
        name: "SEAT",
        wmi: "VSS",
        weight: 14,
        models: &[
            ("Ibiza", 18_500, "Turismo"),
            ("León", 25_000, "Turismo"),
            ("Arona", 22_500, "SUV"),
            ("Ateca", 29_000, "SUV"),
            ("Tarraco", 38_000, "SUV"),
        ],
    },
    Brand {
        name: "Volkswagen",
        wmi: "WVW",
        weight: 12,
        models: &[
            ("Polo", 20_000, "Turismo"),
            ("Golf", 29_000, "Turismo"),
            ("T-Roc", 29_500, "SUV"),
            ("Tiguan", 38_000, "SUV"),
            ("Passat", 42_000, "Turismo"),
        ],
    },
    Brand {
        name: "Toyota",
        wmi: "SB1",
        weight: 11,
        models: &[
            ("Yaris", 20_500, "Turismo"),
            ("Corolla", 28_000, "Turismo"),
            ("C-HR", 31_000, "SUV"),
            ("RAV4", 39_000, "SUV"),
        ],
    },
    Brand {
        name: "Renault",
        wmi: "VF1",
        weight: 9,
        models: &[
            ("Clio", 18_000, "Turismo"),
            ("Captur", 23_500, "SUV"),
            ("Mégane", 27_000, "Turismo"),
            ("Austral", 34_000, "SUV"),
        ],
    },
    Brand {
        name: "Peugeot",
        wmi: "VF3",
        weight: 9,
        models: &[
            ("208", 19_500, "Turismo"),
            ("2008", 24_500, "SUV"),
            ("308", 28_000, "Turismo"),
            ("3008", 35_000, "SUV"),
        ],
    },
    Brand {
        name: "Dacia",
        wmi: "UU1",
        weight: 8,
        models: &[("Sandero", 13_500, "Turismo"), ("Duster", 19_500, "SUV"), ("Jogger", 19_000, "Monovolumen")],
    },
    Brand {
        name: "Kia",
        wmi: "KNA",
        weight: 7,
        models: &[
            ("Picanto", 14_000, "Turismo"),
            ("Ceed", 23_000, "Turismo"),
            ("Sportage", 32_000, "SUV"),
            ("Niro", 31_000, "SUV"),
        ],
    },
    Brand {
        name: "Hyundai",
        wmi: "KMH",
        weight: 7,
        models: &[
            ("i20", 18_500, "Turismo"),
            ("i30", 23_000, "Turismo"),
            ("Kona", 27_500, "SUV"),
            ("Tucson", 33_500, "SUV"),
        ],
    },
    Brand {
        name: "Citroën",
        wmi: "VF7",
        weight: 6,
        models: &[
            ("C3", 17_500, "Turismo"),
            ("C4", 25_000, "Turismo"),
            ("C5 Aircross", 32_000, "SUV"),
            ("Berlingo", 24_000, "Furgoneta"),
        ],
    },
    Brand {
        name: "Ford",
        wmi: "WF0",
        weight: 6,
        models: &[
            ("Fiesta", 18_000, "Turismo"),
            ("Focus", 25_000, "Turismo"),
            ("Puma", 26_500, "SUV"),
            ("Kuga", 34_000, "SUV"),
            ("Transit Custom", 36_000, "Furgoneta"),
        ],
    },
    Brand {
        name: "Opel",
        wmi: "W0L",
        weight: 5,
        models: &[("Corsa", 18_000, "Turismo"), ("Astra", 26_000, "Turismo"), ("Mokka", 26_500, "SUV")],
    },
    Brand {
        name: "Nissan",
        wmi: "SJN",
        weight: 5,
        models: &[("Micra", 16_500, "Turismo"), ("Juke", 24_000, "SUV"), ("Qashqai", 31_000, "SUV")],
    },
    Brand {
        name: "Skoda",
        wmi: "TMB",
        weight: 4,
        models: &[("Fabia", 18_000, "Turismo"), ("Octavia", 28_000, "Turismo"), ("Kodiaq", 40_000, "SUV")],
    },
    Brand { name: "Fiat", wmi: "ZFA", weight: 3, models: &[("500", 17_000, "Turismo"), ("Tipo", 20_000, "Turismo")] },
    Brand {
        name: "Mazda",
        wmi: "JMZ",
        weight: 3,
        models: &[("Mazda2", 19_000, "Turismo"), ("Mazda3", 26_000, "Turismo"), ("CX-5", 35_000, "SUV")],
    },
    Brand {
        name: "BMW",
        wmi: "WBA",
        weight: 5,
        models: &[
            ("Serie 1", 35_000, "Turismo"),
            ("Serie 3", 48_000, "Turismo"),
            ("X1", 46_000, "SUV"),
            ("X3", 60_000, "SUV"),
            ("Serie 5", 65_000, "Turismo"),
        ],
    },
    Brand {
        name: "Mercedes-Benz",
        wmi: "WDD",
        weight: 5,
        models: &[
            ("Clase A", 36_000, "Turismo"),
            ("Clase C", 52_000, "Turismo"),
            ("GLA", 45_000, "SUV"),
            ("GLC", 62_000, "SUV"),
            ("Clase E", 68_000, "Turismo"),
        ],
    },
    Brand {
        name: "Audi",
        wmi: "WAU",
        weight: 5,
        models: &[
            ("A1", 27_000, "Turismo"),
            ("A3", 35_000, "Turismo"),
            ("Q3", 44_000, "SUV"),
            ("A4", 47_000, "Turismo"),
            ("Q5", 60_000, "SUV"),
        ],
    },
    Brand { name: "Volvo", wmi: "YV1", weight: 2, models: &[("XC40", 42_000, "SUV"), ("XC60", 58_000, "SUV")] },
    Brand {
        name: "Tesla",
        wmi: "LRW",
        weight: 2,
        models: &[("Model 3", 42_000, "Turismo"), ("Model Y", 45_000, "SUV")],
    },
];

const COLOURS: &[(&str, u32)] = &[
    ("Blanco", 30),
    ("Gris", 22),
    ("Negro", 16),
    ("Azul", 10),
    ("Rojo", 8),
    ("Plata", 8),
    ("Marrón", 3),
    ("Verde", 2),
    ("Naranja", 1),
];

/// Demo dealerships (name, province INE code) created when the group has none.
const DEMO_DEALERS: &[(&str, &str)] = &[
    ("Deala Madrid Norte", "28"),
    ("Deala Madrid Sur", "28"),
    ("Deala Barcelona", "08"),
    ("Deala Valencia", "46"),
    ("Deala Sevilla", "41"),
    ("Deala Málaga", "29"),
    ("Deala Bilbao", "48"),
    ("Deala Zaragoza", "50"),
];

/// The VIN alphabet: no I, O or Q.
const VIN_CHARS: &[u8] = b"ABCDEFGHJKLMNPRSTUVWXYZ0123456789";
/// Spanish plate letters: consonants only, no Ñ or Q.
const PLATE_LETTERS: &[u8] = b"BCDFGHJKLMNPRSTVWXYZ";

fn pick_weighted<'a, T>(rng: &mut ChaCha8Rng, items: &'a [T], weight: impl Fn(&T) -> u32) -> &'a T {
    let total: u32 = items.iter().map(&weight).sum();
    let mut roll = rng.random_range(0..total);
    for item in items {
        let w = weight(item);
        if roll < w {
            return item;
        }
        roll -= w;
    }
    &items[items.len() - 1]
}

/// Dealers to spread the stock over, as (dealer id, province id); creates the demo ones when
/// the group has none.
pub async fn demo_dealers(conn: &mut AsyncPgConnection) -> QueryResult<Vec<(i64, Option<i64>)>> {
    let existing: Vec<(i64, Option<i64>)> = dealers::table
        .filter(dealers::is_active)
        .select((dealers::id, dealers::province_id))
        .order(dealers::id)
        .load(conn)
        .await?;
    if !existing.is_empty() {
        return Ok(existing);
    }
    for (name, code) in DEMO_DEALERS {
        let province: Option<i64> =
            provinces::table.filter(provinces::code.eq(code)).select(provinces::id).first(conn).await.optional()?;
        diesel::insert_into(dealers::table)
            .values((dealers::name.eq(name), dealers::province_id.eq(province), dealers::phone.eq("+34 900 000 000")))
            .on_conflict_do_nothing()
            .execute(conn)
            .await?;
    }
    dealers::table.select((dealers::id, dealers::province_id)).order(dealers::id).load(conn).await
}

/// The vehicle number `index` of the stock generated from `seed` (the same every time).
pub fn vehicle(seed: u64, index: u64, today: NaiveDate, dealers: &[(i64, Option<i64>)]) -> VehicleRecord {
    // One generator per vehicle: any slice of the stock can be generated on its own.
    let mut rng = ChaCha8Rng::seed_from_u64(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ index);
    let brand = pick_weighted(&mut rng, BRANDS, |b| b.weight);
    let &(model, new_price, vehicle_type) = &brand.models[rng.random_range(0..brand.models.len())];
    let roll: u32 = rng.random_range(0..100);
    let stock_type = match roll {
        0..70 => "VO",
        70..85 => "VN",
        85..95 => "KM0",
        _ => "DEMO",
    };
    // Used cars are 1 to 12 years old, mostly 3 to 6; the others are this year's.
    let age_years: i32 =
        if stock_type == "VO" { 1 + (rng.random_range(0.0f64..1.0).powf(1.6) * 11.0) as i32 } else { 0 };
    let year = today.year() - age_years;
    let mileage_km: i32 = match stock_type {
        "VO" => age_years * rng.random_range(9_000..22_000) + rng.random_range(0..5_000),
        "VN" => rng.random_range(0..30),
        "KM0" => rng.random_range(5..150),
        _ => rng.random_range(1_500..12_000),
    };
    let fuel = if brand.name == "Tesla" {
        "electric"
    } else {
        pick_weighted(
            &mut rng,
            &[("petrol", 40u32), ("diesel", 28), ("hybrid", 20), ("plugin_hybrid", 6), ("electric", 4), ("lpg", 2)],
            |f| f.1,
        )
        .0
    };
    let transmission =
        if fuel == "electric" || fuel.contains("hybrid") || rng.random_bool(0.35) { "automatic" } else { "manual" };
    // Prices: depreciation with age and mileage, a little noise, rounded to 50 euros.
    let depreciation = match stock_type {
        "VN" => 1.0,
        "KM0" => 0.86,
        "DEMO" => 0.82,
        _ => 0.80 * 0.87f64.powi(age_years - 1) - (mileage_km as f64 / 1_000_000.0),
    };
    let noise = rng.random_range(0.93..1.07);
    let sale_euros = ((new_price as f64 * depreciation.max(0.12) * noise) / 50.0).round() as i64 * 50;
    let purchase_euros = (sale_euros as f64 * rng.random_range(0.78..0.90)) as i64;
    let preparation = if stock_type == "VO" { rng.random_range(200..1_500) } else { rng.random_range(0..300) };
    // Arrivals: most recent, a long tail of older stock.
    let days_ago = (rng.random_range(0.0f64..1.0).powf(2.2) * 300.0) as u64;
    let reception_date = today.checked_sub_days(Days::new(days_ago)).unwrap_or(today);
    let registration_date = (stock_type != "VN").then(|| {
        let month = rng.random_range(1..=12);
        let date = NaiveDate::from_ymd_opt(year, month, rng.random_range(1..=28)).expect("valid date");
        date.min(reception_date)
    });
    let (dealer_id, province_id) = dealers.get(rng.random_range(0..dealers.len().max(1))).copied().unwrap_or((0, None));
    let reserved = rng.random_bool(0.12);
    let published = stock_type != "VN" && rng.random_bool(0.78);
    let status = if stock_type == "VN" && days_ago < 10 {
        "in_transit"
    } else if days_ago < 7 && rng.random_bool(0.5) {
        "in_preparation"
    } else {
        "available"
    };
    let vin = vin(&mut rng, brand.wmi, year, index);
    let colour = pick_weighted(&mut rng, COLOURS, |c| c.1).0;
    let power_cv = ((new_price as f64 / 250.0) * rng.random_range(0.8..1.2)).round().clamp(60.0, 520.0) as i32;
    VehicleRecord {
        plate: registration_date.map(|date| plate(&mut rng, date.year())),
        brand: brand.name.to_owned(),
        model: model.to_owned(),
        version: Some(format!("{} {} CV", if fuel == "electric" { "e" } else { "1.5" }, power_cv)),
        registration_year: registration_date.map(|d| d.year()),
        registration_date,
        reception_date,
        mileage_km,
        colour: Some(colour.to_owned()),
        fuel: Some(fuel),
        transmission: Some(transmission),
        power_cv: Some(power_cv),
        vehicle_type: Some(vehicle_type.to_owned()),
        stock_type,
        status,
        reserved,
        published,
        listing_url: published.then(|| format!("https://www.dealaai.es/coches/{}", vin.to_ascii_lowercase())),
        dealer_id: (dealer_id != 0).then_some(dealer_id),
        province_id,
        location: Some(if rng.random_bool(0.8) { "Exposición" } else { "Campa" }.to_owned()),
        purchase_price: Some(purchase_euros * 100),
        total_cost: Some((purchase_euros + preparation) * 100),
        sale_price: sale_euros * 100,
        description: Some(format!("{} {} de {} en perfecto estado.", brand.name, model, year)),
        online_visits: if published { rng.random_range(0..900) } else { 0 },
        online_calls: if published { rng.random_range(0..25) } else { 0 },
        online_leads: if published { rng.random_range(0..12) } else { 0 },
        extra: serde_json::Value::Object(Default::default()),
        vin,
    }
}

/// Manufacturer code, six descriptor characters, a check digit, the model-year code, then the
/// vehicle's number (unique for up to 33 million vehicles per seed).
fn vin(rng: &mut ChaCha8Rng, wmi: &str, year: i32, index: u64) -> String {
    let mut vin = String::with_capacity(17);
    vin.push_str(wmi);
    for _ in 0..5 {
        vin.push(VIN_CHARS[rng.random_range(0..VIN_CHARS.len())] as char);
    }
    vin.push(char::from_digit(rng.random_range(0..10), 10).expect("digit"));
    // Model-year codes cycle every 30 years through the letters and digits allowed.
    const YEAR_CODES: &[u8] = b"ABCDEFGHJKLMNPRSTVWXY123456789";
    vin.push(YEAR_CODES[((year - 2010).rem_euclid(30)) as usize] as char);
    // The plant letter carries the millions of the vehicle's number.
    vin.push(VIN_CHARS[(index / 1_000_000 % VIN_CHARS.len() as u64) as usize] as char);
    vin.push_str(&format!("{:06}", index % 1_000_000));
    vin
}

/// Spanish plates since 2000: four digits and three consonants, the letters advancing with time.
fn plate(rng: &mut ChaCha8Rng, year: i32) -> String {
    // Roughly: "B.." in 2001, "M.." in 2022, "N.." in 2024.
    let first = ((year - 2000).clamp(0, 28) as f64 * 0.68).round() as usize;
    let letters: String = [first.min(PLATE_LETTERS.len() - 1), rng.random_range(0..20), rng.random_range(0..20)]
        .iter()
        .map(|i| PLATE_LETTERS[*i] as char)
        .collect();
    format!("{:04}{letters}", rng.random_range(0..10_000))
}

/// Writes `count` vehicles in batches (VINs that exist are left alone), reporting progress.
pub async fn insert_vehicles(
    conn: &mut AsyncPgConnection,
    seed: u64,
    count: u64,
    today: NaiveDate,
    mut progress: impl FnMut(u64),
) -> QueryResult<u64> {
    const BATCH: u64 = 10_000;
    let dealers = demo_dealers(conn).await?;
    let sql = format!("WITH input AS ({}) {} ON CONFLICT DO NOTHING", JSON_ROWS_SQL, insert_from_input_sql());
    let mut inserted = 0;
    let mut start = 0;
    while start < count {
        let end = (start + BATCH).min(count);
        let batch: Vec<VehicleRecord> = (start..end).map(|i| vehicle(seed, i, today, &dealers)).collect();
        let json = serde_json::to_string(&batch).expect("vehicles serialise to JSON");
        inserted += diesel::sql_query(&sql).bind::<diesel::sql_types::Text, _>(json).execute(conn).await? as u64;
        progress(end - start);
        start = end;
    }
    Ok(inserted)
}

/// Back-fills `days` of daily snapshots (each day the vehicles received by then) so trends
/// have something to show, and moves a tenth of the prices so histories do too.
pub async fn backfill_history(conn: &mut AsyncPgConnection, days: u32, today: NaiveDate) -> QueryResult<()> {
    if let (Some(first), Some(last)) = (today.checked_sub_days(Days::new(days.into())), today.pred_opt())
        && days > 0
    {
        super::snapshot::backfill(conn, first, last).await?;
    }
    diesel::sql_query(
        "UPDATE vehicles SET sale_price = (sale_price * 0.96 / 5000)::bigint * 5000 \
         WHERE hashtext(vin) % 10 = 0 AND reception_date < CURRENT_DATE - 20",
    )
    .execute(conn)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_stock() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 28).unwrap();
        let dealers = [(1, Some(28)), (2, Some(8))];
        assert_eq!(vehicle(7, 42, today, &dealers), vehicle(7, 42, today, &dealers));
        assert_ne!(vehicle(7, 42, today, &dealers).vin, vehicle(8, 42, today, &dealers).vin);
    }

    #[test]
    fn bulk_writes_send_every_writable_column() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 28).unwrap();
        let json = serde_json::to_value(vehicle(1, 1, today, &[(1, Some(28))])).unwrap();
        let mut sent: Vec<&str> = json.as_object().unwrap().keys().map(String::as_str).collect();
        let mut written = super::super::records::WRITABLE_COLUMNS.to_vec();
        sent.sort_unstable();
        written.sort_unstable();
        assert_eq!(sent, written);
    }

    #[test]
    fn generated_vehicles_are_valid_and_coherent() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 28).unwrap();
        for index in 0..2_000 {
            let v = vehicle(1, index, today, &[(1, Some(28))]);
            assert!(shared::stock::is_valid_vin(&v.vin), "{}", v.vin);
            assert!(v.reception_date <= today && v.sale_price > 0);
            assert!(v.total_cost.unwrap() > v.purchase_price.unwrap() || v.stock_type != "VO");
            if v.stock_type == "VN" {
                assert!(v.plate.is_none() && v.mileage_km < 30);
            }
            if let Some(plate) = &v.plate {
                assert!(plate.len() == 7 && plate[..4].chars().all(|c| c.is_ascii_digit()), "{plate}");
            }
        }
    }
}
