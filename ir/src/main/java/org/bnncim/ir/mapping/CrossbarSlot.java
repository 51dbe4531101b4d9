package org.bnncim.ir.mapping;

/** Where a crossbar sits: chip, tile on the chip, slot in the tile. */
public record CrossbarSlot(int id, int chip, int tile, int slot) {}
