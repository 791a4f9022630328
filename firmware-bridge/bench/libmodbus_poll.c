/* Baseline for the Modbus TCP polling benchmark: libmodbus (C) reading 10 holding registers
 * from address 0 as fast as the server answers, for a given number of seconds.
 * Build: cc -O2 libmodbus_poll.c $(pkg-config --cflags --libs libmodbus)
 * Usage: ./a.out HOST PORT SECONDS  -> prints "transactions_per_second N" */
#include <modbus.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: %s HOST PORT SECONDS\n", argv[0]);
        return 2;
    }
    modbus_t *ctx = modbus_new_tcp(argv[1], atoi(argv[2]));
    if (ctx == NULL || modbus_connect(ctx) == -1) {
        fprintf(stderr, "connect: %s\n", modbus_strerror(errno));
        return 1;
    }
    modbus_set_slave(ctx, 1);
    uint16_t regs[10];
    double seconds = atof(argv[3]), start = now();
    long n = 0;
    while (now() - start < seconds) {
        if (modbus_read_registers(ctx, 0, 10, regs) != 10) {
            fprintf(stderr, "read: %s\n", modbus_strerror(errno));
            return 1;
        }
        n++;
    }
    printf("transactions_per_second %.1f\n", n / (now() - start));
    modbus_close(ctx);
    modbus_free(ctx);
    return 0;
}
