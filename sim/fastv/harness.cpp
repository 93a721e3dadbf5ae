// Verilator harness for the speed testbenches (tb_loop.v, tb_loop_wb.v, tb_echo.v): the
// clock is the testbench's only input; two eval() calls per clock, one per edge, until
// the testbench calls $finish. CLK names the clock port (-CFLAGS -DCLK=clk).
#include "Vtb.h"
#include "verilated.h"

#ifndef CLK
#define CLK clock
#endif

int main(int argc, char** argv) {
    VerilatedContext* context = new VerilatedContext;
    context->commandArgs(argc, argv);
    Vtb* tb = new Vtb{context};
    while (!context->gotFinish()) {
        tb->CLK = 0;
        tb->eval();
        tb->CLK = 1;
        tb->eval();
    }
    tb->final();
    delete tb;
    delete context;
    return 0;
}
