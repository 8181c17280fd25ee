//! The names of the vehicle's fields and codes, as the SPA shows them and localized exports
//! write them (and the import reads them back).

use super::{Fuel, StockType, Transmission, VehicleStatus};
use crate::labels::Label;

/// A vehicle field's label, by its API name (and the other names the list, the import report
/// and the change log use for the same thing).
pub fn field_label(name: &str) -> Option<Label> {
    Some(match name {
        "vin" => Label::new("VIN (bastidor)", "VIN"),
        "legacy_vin" => Label::new("VIN antiguo (no estándar)", "Legacy VIN (non-standard)"),
        "plate" => Label::new("Matrícula", "Plate"),
        "brand" => Label::new("Marca", "Make"),
        "model" => Label::new("Modelo", "Model"),
        "version" => Label::new("Versión", "Version"),
        "registration_year" => Label::new("Año", "Year"),
        "registration_date" => Label::new("Fecha de matriculación", "Registration date"),
        "reception_date" => Label::new("Fecha de recepción", "Reception date"),
        "mileage_km" => Label::new("Kilómetros", "Mileage"),
        "colour" => Label::new("Color", "Colour"),
        "fuel" => Label::new("Combustible", "Fuel"),
        "transmission" => Label::new("Cambio", "Transmission"),
        "power_cv" => Label::new("Potencia (CV)", "Power (hp)"),
        "vehicle_type" => Label::new("Tipo de vehículo", "Vehicle type"),
        "stock_type" => Label::new("Tipo de stock", "Stock type"),
        "status" => Label::new("Estado", "Status"),
        "reserved" => Label::new("Reservado", "Reserved"),
        "reserved_at" => Label::new("Reservado el", "Reserved on"),
        "published" => Label::new("Publicado", "Published"),
        "listing_url" => Label::new("Anuncio", "Listing"),
        "dealer" | "dealer_id" | "dealer_name" => Label::new("Concesionario", "Dealership"),
        "province" | "province_id" | "province_code" | "province_name" => Label::new("Provincia", "Province"),
        "location" => Label::new("Ubicación", "Location"),
        "purchase_price" => Label::new("Precio de compra", "Purchase price"),
        "total_cost" => Label::new("Coste total", "Total cost"),
        "sale_price" => Label::new("Precio de venta", "Sale price"),
        "previous_price" => Label::new("Precio anterior", "Previous price"),
        "price_difference" => Label::new("Diferencia de precio", "Price difference"),
        "estimated_margin" => Label::new("Margen estimado", "Estimated margin"),
        "days_in_stock" => Label::new("Días en stock", "Days in stock"),
        "description" => Label::new("Descripción", "Description"),
        "online_visits" => Label::new("Visitas online", "Online visits"),
        "online_calls" => Label::new("Llamadas", "Calls"),
        "online_leads" => Label::new("Contactos (leads)", "Leads"),
        "created_at" => Label::new("Alta en el sistema", "Created"),
        "updated_at" => Label::new("Última modificación", "Last changed"),
        _ => return None,
    })
}

impl Fuel {
    pub fn label(self) -> Label {
        match self {
            Fuel::Petrol => Label::new("Gasolina", "Petrol"),
            Fuel::Diesel => Label::new("Diésel", "Diesel"),
            Fuel::Hybrid => Label::new("Híbrido", "Hybrid"),
            Fuel::PluginHybrid => Label::new("Híbrido enchufable", "Plug-in hybrid"),
            Fuel::Electric => Label::new("Eléctrico", "Electric"),
            Fuel::Lpg => Label::new("GLP", "LPG"),
            Fuel::Cng => Label::new("GNC", "CNG"),
            Fuel::Other => Label::new("Otro", "Other"),
        }
    }
}

impl Transmission {
    pub fn label(self) -> Label {
        match self {
            Transmission::Manual => Label::new("Manual", "Manual"),
            Transmission::Automatic => Label::new("Automático", "Automatic"),
        }
    }
}

impl StockType {
    pub fn label(self) -> Label {
        match self {
            StockType::Vo => Label::new("VO (ocasión)", "VO (used)"),
            StockType::Vn => Label::new("VN (nuevo)", "VN (new)"),
            StockType::Km0 => Label::new("KM0 (kilómetro cero)", "KM0 (zero km)"),
            StockType::Demo => Label::new("DEMO (demostración)", "DEMO (demonstrator)"),
        }
    }
}

impl VehicleStatus {
    pub fn label(self) -> Label {
        match self {
            VehicleStatus::Available => Label::new("Disponible", "Available"),
            VehicleStatus::InPreparation => Label::new("En preparación", "In preparation"),
            VehicleStatus::InTransit => Label::new("En tránsito", "In transit"),
            VehicleStatus::Sold => Label::new("Vendido", "Sold"),
        }
    }
}

/// The code whose label (in either language) is `text`.
pub fn by_label<T: Copy>(all: &[T], label: fn(T) -> Label, text: &str) -> Option<T> {
    all.iter().copied().find(|value| label(*value).matches(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_found_by_their_labels() {
        assert_eq!(by_label(Fuel::ALL, Fuel::label, "diesel"), Some(Fuel::Diesel));
        assert_eq!(by_label(StockType::ALL, StockType::label, "KM0 (kilómetro cero)"), Some(StockType::Km0));
        assert_eq!(by_label(VehicleStatus::ALL, VehicleStatus::label, "In transit"), Some(VehicleStatus::InTransit));
        assert_eq!(by_label(Fuel::ALL, Fuel::label, "steam"), None);
        assert_eq!(field_label("sale_price").map(|l| l.es), Some("Precio de venta"));
    }
}
