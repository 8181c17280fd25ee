//! What each role may do: the one place that decides it. The backend checks it on every
//! endpoint; the SPA uses the same table to show only what the user can use.

use crate::users::Role;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Permission {
    /// Create, edit and deactivate any user; reset passwords.
    ManageUsers,
    /// See the users under oneself in the hierarchy.
    ViewTeam,
    /// Create and edit dealerships, provinces and job profiles.
    ManageOrganisation,
    ReadStock,
    /// Create, edit, delete and import vehicles.
    WriteStock,
    UseChat,
}

impl Permission {
    pub const ALL: [Permission; 6] = [
        Permission::ManageUsers,
        Permission::ViewTeam,
        Permission::ManageOrganisation,
        Permission::ReadStock,
        Permission::WriteStock,
        Permission::UseChat,
    ];
}

impl Role {
    pub fn can(self, permission: Permission) -> bool {
        use Permission::*;
        match self {
            Role::Admin => true,
            Role::Manager => matches!(permission, ViewTeam | ReadStock | WriteStock | UseChat),
            Role::Sales => matches!(permission, ReadStock | UseChat),
            Role::Viewer => matches!(permission, ReadStock),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_admins_manage_people_and_organisation() {
        for role in Role::ALL {
            assert_eq!(role.can(Permission::ManageUsers), role == Role::Admin);
            assert_eq!(role.can(Permission::ManageOrganisation), role == Role::Admin);
        }
    }

    #[test]
    fn everyone_reads_stock_and_only_managers_and_admins_write_it() {
        for role in Role::ALL {
            assert!(role.can(Permission::ReadStock));
            assert_eq!(role.can(Permission::WriteStock), matches!(role, Role::Admin | Role::Manager));
        }
        assert!(!Role::Viewer.can(Permission::UseChat));
    }
}
