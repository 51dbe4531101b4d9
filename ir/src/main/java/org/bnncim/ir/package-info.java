package org.bnncim.ir;
