-- 0006: the scope links of accounts become foreign keys, now that the city
-- model exists: unit staff belong to a unit, dispatchers and supervisors to an
-- area, grid workers patrol existing cells.
ALTER TABLE users
    ADD CONSTRAINT users_unit_exists FOREIGN KEY (unit_id) REFERENCES units (id),
    ADD CONSTRAINT users_area_exists FOREIGN KEY (area_code) REFERENCES areas (code);
ALTER TABLE user_cells
    ADD CONSTRAINT user_cells_cell_exists FOREIGN KEY (cell_code) REFERENCES grid_cells (code)
        ON UPDATE CASCADE ON DELETE CASCADE;
