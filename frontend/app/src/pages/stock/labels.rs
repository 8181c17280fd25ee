//! Spanish (and English) names for the stock's codes and fields.

use shared::stock::{Fuel, StockType, Transmission, VehicleStatus};

use crate::i18n::Msg;

pub fn fuel_name(fuel: Fuel) -> Msg {
    match fuel {
        Fuel::Petrol => Msg::FuelPetrol,
        Fuel::Diesel => Msg::FuelDiesel,
        Fuel::Hybrid => Msg::FuelHybrid,
        Fuel::PluginHybrid => Msg::FuelPluginHybrid,
        Fuel::Electric => Msg::FuelElectric,
        Fuel::Lpg => Msg::FuelLpg,
        Fuel::Cng => Msg::FuelCng,
        Fuel::Other => Msg::FuelOther,
    }
}

pub fn transmission_name(transmission: Transmission) -> Msg {
    match transmission {
        Transmission::Manual => Msg::TransmissionManual,
        Transmission::Automatic => Msg::TransmissionAutomatic,
    }
}

pub fn stock_type_name(stock_type: StockType) -> Msg {
    match stock_type {
        StockType::Vo => Msg::StockTypeVo,
        StockType::Vn => Msg::StockTypeVn,
        StockType::Km0 => Msg::StockTypeKm0,
        StockType::Demo => Msg::StockTypeDemo,
    }
}

pub fn status_name(status: VehicleStatus) -> Msg {
    match status {
        VehicleStatus::Available => Msg::StatusAvailable,
        VehicleStatus::InPreparation => Msg::StatusInPreparation,
        VehicleStatus::InTransit => Msg::StatusInTransit,
        VehicleStatus::Sold => Msg::StatusSold,
    }
}

/// The name of a code as sent in a filter (`fuel=diesel`), if it is one of the code lists.
pub fn code_name(parameter: &str, code: &str) -> Option<Msg> {
    match parameter {
        "fuel" => code.parse().ok().map(fuel_name),
        "transmission" => code.parse().ok().map(transmission_name),
        "stock_type" => code.parse().ok().map(stock_type_name),
        "status" => code.parse().ok().map(status_name),
        "reserved" | "published" => match code {
            "true" => Some(Msg::Yes),
            "false" => Some(Msg::No),
            _ => None,
        },
        _ => None,
    }
}

/// The label of a vehicle field or list parameter, by its API name (also used for the
/// import report's columns and the change log).
pub fn field_label(name: &str) -> Option<Msg> {
    Some(match name {
        "vin" => Msg::Vin,
        "legacy_vin" => Msg::LegacyVin,
        "plate" => Msg::Plate,
        "brand" => Msg::Brand,
        "model" => Msg::Model,
        "version" => Msg::Version,
        "registration_year" => Msg::RegistrationYear,
        "registration_date" => Msg::RegistrationDate,
        "reception_date" => Msg::ReceptionDate,
        "mileage_km" => Msg::Mileage,
        "colour" => Msg::Colour,
        "fuel" => Msg::Fuel,
        "transmission" => Msg::Transmission,
        "power_cv" => Msg::Power,
        "vehicle_type" => Msg::VehicleType,
        "stock_type" => Msg::StockType,
        "status" => Msg::Status,
        "reserved" => Msg::Reserved,
        "reserved_at" => Msg::ReservedAt,
        "published" => Msg::Published,
        "listing_url" => Msg::ListingUrl,
        "dealer_id" | "dealer_name" => Msg::Dealer,
        "province" | "province_id" | "province_code" | "province_name" => Msg::Province,
        "location" => Msg::Location,
        "purchase_price" => Msg::PurchasePrice,
        "total_cost" => Msg::TotalCost,
        "sale_price" => Msg::SalePrice,
        "previous_price" => Msg::PreviousPrice,
        "description" => Msg::Description,
        "online_visits" => Msg::OnlineVisits,
        "online_calls" => Msg::OnlineCalls,
        "online_leads" => Msg::OnlineLeads,
        "days_in_stock" => Msg::DaysInStock,
        "estimated_margin" => Msg::EstimatedMargin,
        "price_difference" => Msg::PriceDifference,
        "created_at" => Msg::CreatedAt,
        "updated_at" => Msg::UpdatedAt,
        "row" => Msg::Row,
        "q" => Msg::Search,
        "price_min" => Msg::PriceMin,
        "price_max" => Msg::PriceMax,
        "km_min" => Msg::KmMin,
        "km_max" => Msg::KmMax,
        "year_min" => Msg::YearMin,
        "year_max" => Msg::YearMax,
        "days_in_stock_min" => Msg::DaysMin,
        "days_in_stock_max" => Msg::DaysMax,
        "sort" => Msg::SortOrder,
        "page" => Msg::PageOf,
        "page_size" => Msg::PageSize,
        _ => return None,
    })
}
