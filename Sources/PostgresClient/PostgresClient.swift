// Placeholder so the module builds; real types arrive with their issues.
enum PostgresClientModule {}
